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

        public static ControlFlowGraph? ForEnclosingBody(IOperation operation, CancellationToken cancellationToken)
        {
            IOperation root = Root(operation);

            if (root.SemanticModel is null)
            {
                return null;
            }

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
