using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace CheckedMmap.CodeFixes
{
    /// <summary>MMAP003: pass -1 as the file descriptor, where the flags already ask for an anonymous mapping.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(FileDescriptorCodeFix)), Shared]
    public sealed class FileDescriptorCodeFix : ArgumentCodeFix
    {
        public const string Title = "Pass -1 as the file descriptor";

        public FileDescriptorCodeFix()
            : base(RuleIds.FileBacked, Title, nameof(FileDescriptorCodeFix))
        {
        }

        // -1 makes an anonymous mapping only with MAP_ANONYMOUS in the flags; without it the call fails with EBADF.
        private protected override bool Applies(Diagnostic diagnostic) =>
            diagnostic.Properties.ContainsKey(FileBackedRule.AnonymousFlagsKey);

        // null for a SafeHandle or struct descriptor: no spelling of -1 we can be sure of.
        private protected override ExpressionSyntax? Replacement(ExpressionSyntax expression, IOperation value, ITypeSymbol type, SemanticModel model) =>
            MinusOneFor(type, ArgumentFixes.SpellAsIntPtr(expression, type, model),
                ArgumentFixes.TypeName(model, expression.SpanStart, "IntPtr"));

        private static ExpressionSyntax? MinusOneFor(ITypeSymbol type, bool spellAsIntPtr, string intPtrName)
        {
            ExpressionSyntax minusOne = SyntaxFactory.PrefixUnaryExpression(SyntaxKind.UnaryMinusExpression,
                SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(1)));
            switch (type.SpecialType)
            {
                case SpecialType.System_Int32:
                case SpecialType.System_Int64:
                case SpecialType.System_Int16:
                case SpecialType.System_SByte:
                    return minusOne;
                case SpecialType.System_IntPtr:
                    // nint (and IntPtr since C# 11) takes -1 as is; keep new IntPtr(-1) where the call spells IntPtr.
                    return !spellAsIntPtr
                        ? minusOne
                        : SyntaxFactory.ParseExpression("new " + intPtrName + "(-1)");
                default:
                    return null;
            }
        }
    }
}
