using System.Collections.Concurrent;
using CheckedMmap.Analyzers.Functions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CheckedMmap.Analyzers.Binding
{
    /// <summary>
    /// Bindings that forward to the checked runtime: the shape MMAP014's fix gives a P/Invoke under <c>#if CHECKED</c>
    /// (<c>public static IntPtr mmap(IntPtr addr, …, [CallerMemberName] string callerMember = "", …) =&gt;
    /// global::CheckedMmap.Mman.mmap(addr, …, callerMember: callerMember, …);</c>), or one written by hand. Such a
    /// method stands for the libc function in a checked build, as the P/Invoke does in the other build: its calls are
    /// judged, and a wrapper of it is a wrapper of the function. A forwarder is a static source method whose body only
    /// calls <c>CheckedMmap.Mman</c>'s function of a libc name (mmap, munmap, mremap, mprotect, madvise), passing its
    /// own first parameters in order as libc's (converted by casts or not); further arguments are free (the
    /// caller-information ones). Decided once
    /// per method, from its syntax first; the semantic model of its file is asked only for a body of that shape.
    /// </summary>
    internal sealed class CheckedForwarders
    {
        private readonly KnownBindings _known;
        private readonly Values.SemanticModelProvider _models;
        private readonly ConcurrentDictionary<IMethodSymbol, string> _functions =
            new ConcurrentDictionary<IMethodSymbol, string>(SymbolEqualityComparer.Default);

        public CheckedForwarders(Compilation compilation, KnownBindings known)
        {
            _known = known;
            _models = new Values.SemanticModelProvider(compilation);
        }

        /// <summary>The libc function <paramref name="method"/> forwards to the checked runtime (<c>"mmap"</c>,
        /// <c>"munmap"</c>, …), or null when it is no forwarder.</summary>
        public string? FunctionOf(IMethodSymbol? method)
        {
            if (method is null || !method.IsStatic || method.IsExtern || method.IsAbstract || method.DeclaringSyntaxReferences.Length != 1
                || (method.MethodKind != MethodKind.Ordinary && method.MethodKind != MethodKind.LocalFunction) || !_known.HasMman)
            {
                return null;
            }

            string function = _functions.GetOrCompute(method, this, static (m, self) => self.Compute(m) ?? string.Empty);
            return function.Length == 0 ? null : function;
        }

        private string? Compute(IMethodSymbol method)
        {
            SyntaxReference reference = method.DeclaringSyntaxReferences[0];
            if (CallNames.WithoutCasts(Body(reference.GetSyntax())) is not InvocationExpressionSyntax call || CallNames.InvokedName(call.Expression) is not { } name)
            {
                return null;
            }

            // libc's parameters, passed first and in order; the rest are the caller-information ones.
            int count = name == "mmap" ? 6 : LibcFunctionResolver.ParameterCount(LibcFunctionResolver.FromName(name));
            SeparatedSyntaxList<ArgumentSyntax> arguments = call.ArgumentList.Arguments;
            if (count == 0 || method.Parameters.Length < count || arguments.Count < count)
            {
                return null;
            }

            for (int i = 0; i < count; i++)
            {
                ArgumentSyntax argument = arguments[i];
                if (argument.NameColon is not null || !argument.RefKindKeyword.IsKind(SyntaxKind.None)
                    || CallNames.WithoutCasts(argument.Expression) is not IdentifierNameSyntax { Identifier.ValueText: var passed } || passed != method.Parameters[i].Name)
                {
                    return null;
                }
            }

            for (int i = count; i < method.Parameters.Length; i++)
            {
                if (!method.Parameters[i].IsOptional)
                {
                    return null;
                }
            }

            SemanticModel? model = _models.Get(reference.SyntaxTree, null);
            return model?.GetSymbolInfo(call).Symbol is IMethodSymbol target && target.Name == name && _known.IsMman(target.ContainingType)
                ? name
                : null;
        }

        /// <summary>The one expression a body consists of: an expression body, or a block of one return or expression statement.</summary>
        internal static ExpressionSyntax? Body(SyntaxNode declaration)
        {
            (ArrowExpressionClauseSyntax? arrow, BlockSyntax? block) = declaration switch
            {
                MethodDeclarationSyntax method => (method.ExpressionBody, method.Body),
                LocalFunctionStatementSyntax local => (local.ExpressionBody, local.Body),
                _ => (null, null),
            };
            if (arrow is not null)
            {
                return arrow.Expression;
            }

            return block is { Statements.Count: 1 } ? block.Statements[0] switch
            {
                ReturnStatementSyntax ret => ret.Expression,
                ExpressionStatementSyntax statement => statement.Expression,
                _ => null,
            } : null;
        }
    }
}
