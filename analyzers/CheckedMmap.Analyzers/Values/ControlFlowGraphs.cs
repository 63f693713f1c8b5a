using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace CheckedMmap.Analyzers.Values
{
    /// <summary>The control flow graph of the body (method, accessor, constructor, initializer) an operation sits in.</summary>
    internal static class ControlFlowGraphs
    {
        /// <summary>The syntax of the outermost operation: the key of the graph <see cref="ForEnclosingBody"/> builds.</summary>
        public static SyntaxNode? EnclosingBodySyntax(IOperation operation) => Root(operation).Syntax;

        private static IOperation Root(IOperation operation)
        {
            IOperation root = operation;
            while (root.Parent is not null)
            {
                root = root.Parent;
            }

            return root;
        }

        // One graph per body and compilation, shared by the analyzers of the package: MMAP001-MMAP007 and the lifetime
        // rules both need the graph of a method that reassigns a local, and building it is the dearest step they take.
        private static readonly ConditionalWeakTable<Compilation, ConcurrentDictionary<SyntaxNode, ControlFlowGraph?>> Built =
            new ConditionalWeakTable<Compilation, ConcurrentDictionary<SyntaxNode, ControlFlowGraph?>>();

        public static ControlFlowGraph? ForEnclosingBody(IOperation operation, CancellationToken cancellationToken)
        {
            IOperation root = Root(operation);
            if (root.SemanticModel is not { } model)
            {
                return null;
            }

            ConcurrentDictionary<SyntaxNode, ControlFlowGraph?> graphs = Built.GetValue(model.Compilation, _ => new ConcurrentDictionary<SyntaxNode, ControlFlowGraph?>());
            if (graphs.TryGetValue(root.Syntax, out ControlFlowGraph? known))
            {
                return known;
            }

            ControlFlowGraph? graph = Create(root, cancellationToken);
            return graphs.GetOrAdd(root.Syntax, graph);
        }

        private static long s_buildTicks;

        /// <summary>
        /// Stopwatch ticks this process has spent in Roslyn's <c>ControlFlowGraph.Create</c> for the analyzers: the
        /// benchmarks subtract it to tell the analyzer's own cost from Roslyn's (which grows faster than linearly with
        /// the blocks of one method).
        /// </summary>
        internal static long BuildTicks => Interlocked.Read(ref s_buildTicks);

        /// <summary>Builds the graph of a body, timed into <see cref="BuildTicks"/>.</summary>
        public static ControlFlowGraph? Create(IOperation root, CancellationToken cancellationToken)
        {
            long started = Stopwatch.GetTimestamp();
            try
            {
                return CreateUntimed(root, cancellationToken);
            }
            finally
            {
                Interlocked.Add(ref s_buildTicks, Stopwatch.GetTimestamp() - started);
            }
        }

        private static ControlFlowGraph? CreateUntimed(IOperation root, CancellationToken cancellationToken)
        {
            switch (root)
            {
                case IMethodBodyOperation method:
                    return ControlFlowGraph.Create(method, cancellationToken);
                case IConstructorBodyOperation constructor:
                    return ControlFlowGraph.Create(constructor, cancellationToken);
                case IBlockOperation block:
                    return ControlFlowGraph.Create(block, cancellationToken);
                case IFieldInitializerOperation field:
                    return ControlFlowGraph.Create(field, cancellationToken);
                case IPropertyInitializerOperation property:
                    return ControlFlowGraph.Create(property, cancellationToken);
                case IParameterInitializerOperation parameter:
                    return ControlFlowGraph.Create(parameter, cancellationToken);
                default:
                    return null; // e.g. an attribute argument: no body, no locals
            }
        }
    }
}
