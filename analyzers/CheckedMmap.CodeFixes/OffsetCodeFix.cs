using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CheckedMmap.CodeFixes
{
    /// <summary>MMAP006: pass offset 0, spelled for the parameter's type (0, IntPtr.Zero, UIntPtr.Zero, default).</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(OffsetCodeFix)), Shared]
    public sealed class OffsetCodeFix : CodeFixProvider
    {
        public const string Title = "Pass offset 0";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIds.Offset);

        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            foreach (Diagnostic diagnostic in context.Diagnostics)
            {
                var found = await ArgumentFixes.FindAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false);
                if (found is not { } argument)
                {
                    continue;
                }

                ExpressionSyntax zero = ZeroFor(argument.Operation.Parameter!.Type,
                    ArgumentFixes.SpellAsIntPtr(argument.Syntax, argument.Operation, argument.Model),
                    argument.Model, argument.Syntax.SpanStart);
                context.RegisterCodeFix(
                    CodeAction.Create(Title, ct => ArgumentFixes.ReplaceAsync(context.Document, argument.Syntax, zero, ct), equivalenceKey: nameof(OffsetCodeFix)),
                    diagnostic);
            }
        }

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
