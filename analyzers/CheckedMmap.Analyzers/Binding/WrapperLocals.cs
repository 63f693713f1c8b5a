using System.Collections.Generic;
using System.Runtime.CompilerServices;
using CheckedMmap.Analyzers.Values;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Operations;

namespace CheckedMmap.Analyzers.Binding
{
    /// <summary>
    /// A wrapper's argument to mmap read through the wrapper's own locals: <c>int native = ToNative(flags); return
    /// mmap(…, native, …);</c> passes <c>ToNative(flags)</c>. A local counts when its declaration's initializer is its only
    /// write: definite assignment makes that initializer run before every read, so the read holds what it computed.
    /// </summary>
    internal static class WrapperLocals
    {
        /// <summary>How many locals a chain (<c>var a = f(flags); var b = a | X;</c>) is followed through.</summary>
        public const int MaxChain = 8;

        /// <summary>
        /// Whether the wrapper reads the parameter as the value its caller passed: by value, <c>in</c> or <c>ref readonly</c>
        /// (the wrapper cannot write those). A <c>ref</c> or <c>out</c> parameter may hold what the wrapper stored.
        /// </summary>
        public static bool IsPassedByValue(IParameterSymbol parameter) => parameter.RefKind is RefKind.None or RefKind.In or RefKind.RefReadOnlyParameter;

        /// <summary>
        /// Whether a read of the wrapper's parameter holds what the caller passed: the parameter is passed by value
        /// (<see cref="IsPassedByValue"/>) and the wrapper never writes it (<c>flags = …</c>, <c>flags &amp;= ~MAP_FIXED</c>,
        /// <c>++</c>, an <c>out</c>/<c>ref</c> argument, its address taken), which would make it a local like any other.
        /// </summary>
        /// <param name="parameter">The parameter read.</param>
        /// <param name="inBody">Any operation of the wrapper's body.</param>
        public static bool HoldsCallersValue(IParameterSymbol parameter, IOperation inBody) =>
            IsPassedByValue(parameter) && !LocalsOf(inBody).WrittenParameters.Contains(parameter);

        /// <summary>The initializer of the local <paramref name="value"/> reads (followed through such locals), or <paramref name="value"/> itself.</summary>
        public static IOperation ValueOf(IOperation value, SemanticModel model, SyntaxNode wrapper)
        {
            IOperation? body = null;
            for (int depth = 0; depth < MaxChain; depth++)
            {
                if (Unconverted(value) is not ILocalReferenceOperation { Local: { RefKind: RefKind.None } local })
                {
                    break;
                }

                body ??= model.GetOperation(wrapper);
                if (body is null || InitializerOf(local, body) is not { } initializer)
                {
                    break;
                }

                value = initializer;
            }

            return value;
        }

        // Per wrapper body: its locals in declaration order with their only initializers (null: written elsewhere too, or
        // declared without one), found in one pass over the body for all its locals and all call sites.
        private static readonly ConditionalWeakTable<IOperation, BodyLocals> Bodies = new ConditionalWeakTable<IOperation, BodyLocals>();

        /// <summary>What the wrapper's local holds wherever it is read: its initializer when that is its only write, else null.</summary>
        /// <param name="local">A local of the wrapper.</param>
        /// <param name="inBody">Any operation of the wrapper's body.</param>
        public static IOperation? InitializerOf(ILocalSymbol local, IOperation inBody)
        {
            if (local.RefKind != RefKind.None)
            {
                return null;
            }

            BodyLocals locals = LocalsOf(inBody);
            return locals.Index.TryGetValue(local, out int index) ? locals.Ordered[index].Initializer : null;
        }

        /// <summary>
        /// The parameter references an expression of the wrapper reads, directly or through locals whose only write is
        /// their initializer (up to <see cref="MaxChain"/> deep, each local's initializer once), in the order they stand;
        /// parameters the wrapper writes are left out (they hold what it stored, not what its caller passed).
        /// </summary>
        public static IEnumerable<IParameterReferenceOperation> ParametersRead(IOperation expression) =>
            ParametersRead(expression, 0, new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default));

        private static IEnumerable<IParameterReferenceOperation> ParametersRead(IOperation expression, int depth, HashSet<ILocalSymbol> followed)
        {
            foreach (IOperation operation in expression.DescendantsAndSelf())
            {
                if (operation is IParameterReferenceOperation parameter)
                {
                    if (!LocalsOf(parameter).WrittenParameters.Contains(parameter.Parameter))
                    {
                        yield return parameter;
                    }
                }
                else if (operation is ILocalReferenceOperation local && depth < MaxChain
                    && InitializerOf(local.Local, local) is { } initializer && followed.Add(local.Local))
                {
                    foreach (IParameterReferenceOperation read in ParametersRead(initializer, depth + 1, followed))
                    {
                        yield return read;
                    }
                }
            }
        }

        /// <summary>The locals of the body <paramref name="inBody"/> belongs to, in declaration order.</summary>
        public static BodyLocals LocalsOf(IOperation inBody)
        {
            IOperation body = inBody;
            while (body.Parent is { } parent)
            {
                body = parent;
            }

            return Bodies.GetValue(body, static b => new BodyLocals(b));
        }

        /// <summary>
        /// A body's locals in declaration order, each with its only initializer. An initializer reads only locals declared
        /// before it (C# allows no use before declaration), so evaluating them in this order needs no recursion.
        /// </summary>
        internal sealed class BodyLocals
        {
            public BodyLocals(IOperation body)
            {
                var written = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
                foreach (IOperation operation in body.Descendants())
                {
                    switch (operation)
                    {
                        case IVariableDeclaratorOperation declarator when !Index.ContainsKey(declarator.Symbol):
                            Index[declarator.Symbol] = Ordered.Count;
                            Ordered.Add((declarator.Symbol, (declarator.Initializer ?? (declarator.Parent as IVariableDeclarationOperation)?.Initializer)?.Value));
                            break;
                        case ILocalReferenceOperation reference when IsWrite(reference):
                            written.Add(reference.Local);
                            break;
                        case IParameterReferenceOperation reference when IsWrite(reference):
                            WrittenParameters.Add(reference.Parameter);
                            break;
                    }
                }

                foreach (ILocalSymbol local in written)
                {
                    if (Index.TryGetValue(local, out int index))
                    {
                        Ordered[index] = (local, null);
                    }
                }
            }

            public List<(ILocalSymbol Local, IOperation? Initializer)> Ordered { get; } = new List<(ILocalSymbol Local, IOperation? Initializer)>();

            public Dictionary<ILocalSymbol, int> Index { get; } = new Dictionary<ILocalSymbol, int>(SymbolEqualityComparer.Default);

            /// <summary>The parameters the body writes somewhere (<see cref="HoldsCallersValue"/>).</summary>
            public HashSet<IParameterSymbol> WrittenParameters { get; } = new HashSet<IParameterSymbol>(SymbolEqualityComparer.Default);
        }

        // A write the flow knows (OperationWalk.IsWrite), a deconstruction target, or any reference taken to it.
        private static bool IsWrite(IOperation reference) =>
            OperationWalk.IsWrite(reference) || reference.Parent is ITupleOperation || reference.Syntax.Parent?.IsKind(SyntaxKind.RefExpression) == true;

        /// <summary>The operand under every conversion, user-defined ones included (a struct carries its operand's value).</summary>
        internal static IOperation Unconverted(IOperation operation)
        {
            while (operation is IConversionOperation conversion)
            {
                operation = conversion.Operand;
            }

            return operation;
        }
    }
}
