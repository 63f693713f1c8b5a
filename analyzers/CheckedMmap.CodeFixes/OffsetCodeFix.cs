using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace CheckedMmap.CodeFixes
{
    /// <summary>MMAP006: pass offset 0, spelled for the parameter's type (0, IntPtr.Zero, UIntPtr.Zero, default).</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(OffsetCodeFix)), Shared]
    public sealed class OffsetCodeFix : ArgumentCodeFix
    {
        public const string Title = "Pass offset 0";

        public OffsetCodeFix()
            : base(RuleIds.Offset, Title, nameof(OffsetCodeFix))
        {
        }

        private protected override ExpressionSyntax? Replacement(ExpressionSyntax expression, IOperation value, ITypeSymbol type, SemanticModel model) =>
            ZeroFor(type, ArgumentFixes.SpellAsIntPtr(expression, type, model), model, expression.SpanStart);

        private static ExpressionSyntax ZeroFor(ITypeSymbol type, bool spellAsIntPtr, SemanticModel model, int position)
        {
            switch (type.SpecialType)
            {
                case SpecialType.System_IntPtr when spellAsIntPtr:
                    return SyntaxFactory.ParseExpression(ArgumentFixes.TypeName(model, position, "IntPtr") + ".Zero");
                case SpecialType.System_UIntPtr when spellAsIntPtr:
                    return SyntaxFactory.ParseExpression(ArgumentFixes.TypeName(model, position, "UIntPtr") + ".Zero");
                case SpecialType.System_Int32:
                case SpecialType.System_UInt32:
                case SpecialType.System_Int64:
                case SpecialType.System_UInt64:
                case SpecialType.System_IntPtr:
                case SpecialType.System_UIntPtr:
                    return SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(0));
                default:
                    // An off_t-like struct: its default is offset 0.
                    return SyntaxFactory.LiteralExpression(SyntaxKind.DefaultLiteralExpression, SyntaxFactory.Token(SyntaxKind.DefaultKeyword));
            }
        }
    }
}
