using System.Collections.Generic;
using System.Runtime.CompilerServices;
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

        // Per wrapper body: each local's only initializer (null: written elsewhere too, or declared without one), found in
        // one pass over the body for all its locals and all call sites.
        private static readonly ConditionalWeakTable<IOperation, Dictionary<ILocalSymbol, IOperation?>> Initializers =
            new ConditionalWeakTable<IOperation, Dictionary<ILocalSymbol, IOperation?>>();

        /// <summary>What the wrapper's local holds wherever it is read: its initializer when that is its only write, else null.</summary>
        /// <param name="local">A local of the wrapper.</param>
        /// <param name="inBody">Any operation of the wrapper's body.</param>
        public static IOperation? InitializerOf(ILocalSymbol local, IOperation inBody)
        {
            if (local.RefKind != RefKind.None)
            {
                return null;
            }

            IOperation body = inBody;
            while (body.Parent is { } parent)
            {
                body = parent;
            }

            Dictionary<ILocalSymbol, IOperation?> locals = Initializers.GetValue(body, static b => OnlyInitializers(b));
            return locals.TryGetValue(local, out IOperation? initializer) ? initializer : null;
        }

        private static Dictionary<ILocalSymbol, IOperation?> OnlyInitializers(IOperation body)
        {
            var initializers = new Dictionary<ILocalSymbol, IOperation?>(SymbolEqualityComparer.Default);
            var written = new HashSet<ILocalSymbol>(SymbolEqualityComparer.Default);
            foreach (IOperation operation in body.Descendants())
            {
                switch (operation)
                {
                    case IVariableDeclaratorOperation declarator:
                        initializers[declarator.Symbol] = (declarator.Initializer ?? (declarator.Parent as IVariableDeclarationOperation)?.Initializer)?.Value;
                        break;
                    case ILocalReferenceOperation reference when IsWrite(reference):
                        written.Add(reference.Local);
                        break;
                }
            }

            foreach (ILocalSymbol local in written)
            {
                initializers[local] = null;
            }

            return initializers;
        }

        // Assignments of every kind, ++/--, deconstruction targets, out/ref arguments, and any reference taken to it.
        private static bool IsWrite(ILocalReferenceOperation reference) => reference.Parent switch
        {
            IAssignmentOperation assignment => assignment.Target == reference,
            IIncrementOrDecrementOperation => true,
            IAddressOfOperation => true,
            IArgumentOperation argument => argument.Parameter?.RefKind is RefKind.Ref or RefKind.Out,
            ITupleOperation or IDeclarationExpressionOperation => true,
            _ => reference.Syntax.Parent?.IsKind(SyntaxKind.RefExpression) == true,
        };

        private static IOperation Unconverted(IOperation operation)
        {
            while (operation is IConversionOperation conversion)
            {
                operation = conversion.Operand;
            }

            return operation;
        }
    }
}
