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
    /// <summary>MMAP003: pass -1 as the file descriptor (an anonymous mapping).</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(FileDescriptorCodeFix)), Shared]
    public sealed class FileDescriptorCodeFix : CodeFixProvider
    {
        public const string Title = "Pass -1 as the file descriptor";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIds.FileBacked);

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

                ExpressionSyntax? minusOne = MinusOneFor(argument.Operation.Parameter!.Type,
                    ArgumentFixes.SpellAsIntPtr(argument.Syntax, argument.Operation, argument.Model),
                    ArgumentFixes.TypeName(argument.Model, argument.Syntax.SpanStart, "IntPtr"));
                if (minusOne is null)
                {
                    continue; // a SafeHandle or struct descriptor: no spelling of -1 we can be sure of
                }

                context.RegisterCodeFix(
                    CodeAction.Create(Title, ct => ArgumentFixes.ReplaceAsync(context.Document, argument.Syntax, minusOne, ct), equivalenceKey: nameof(FileDescriptorCodeFix)),
                    diagnostic);
            }
        }

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
