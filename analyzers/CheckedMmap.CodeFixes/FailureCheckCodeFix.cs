using System.Collections.Immutable;
using System.Composition;
using System.Threading;
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
    /// <summary>
    /// MMAP009: compare with MAP_FAILED instead of NULL. The NULL side of the comparison becomes the binding's own
    /// <c>MAP_FAILED</c> member when it has one of a comparable type, or a <c>MAP_FAILED</c> the file sees by its bare
    /// name (a constants class imported with <c>using static</c>), else -1 spelled for the compared type
    /// (<c>-1</c>, <c>new IntPtr(-1)</c>, <c>(byte*)-1</c>); <c>is null</c>/<c>is 0</c> become <c>== …</c>.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(FailureCheckCodeFix)), Shared]
    public sealed class FailureCheckCodeFix : CodeFixProvider
    {
        public const string Title = "Compare with MAP_FAILED";
        private const string MapFailed = "MAP_FAILED";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIds.FailureCheck);

        public override FixAllProvider GetFixAllProvider() => EveryDiagnosticFixAll.For(this);

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            foreach (Diagnostic diagnostic in context.Diagnostics)
            {
                if (await RewriteAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false) is null)
                {
                    continue;
                }

                context.RegisterCodeFix(
                    CodeAction.Create(Title, ct => ApplyAsync(context.Document, diagnostic, ct), equivalenceKey: nameof(FailureCheckCodeFix)),
                    diagnostic);
            }
        }

        private static async Task<Document> ApplyAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            if (root is null || await RewriteAsync(document, diagnostic, cancellationToken).ConfigureAwait(false) is not { } rewrite)
            {
                return document;
            }

            return document.WithSyntaxRoot(root.ReplaceNode(rewrite.Old, rewrite.New.WithTriviaFrom(rewrite.Old)));
        }

        private static async Task<(SyntaxNode Old, SyntaxNode New)?> RewriteAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            SemanticModel? model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (root is null || model is null || diagnostic.AdditionalLocations.Count == 0)
            {
                return null;
            }

            SyntaxNode node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            IMethodSymbol? binding = MmapMethod(diagnostic.AdditionalLocations[0], model, cancellationToken);
            switch (node)
            {
                case BinaryExpressionSyntax binary when binary.IsKind(SyntaxKind.EqualsExpression) || binary.IsKind(SyntaxKind.NotEqualsExpression):
                {
                    bool leftIsNull = IsNull(binary.Left, model, cancellationToken);
                    ExpressionSyntax held = leftIsNull ? binary.Right : binary.Left;
                    ExpressionSyntax nullSide = leftIsNull ? binary.Left : binary.Right;
                    if (!leftIsNull && !IsNull(binary.Right, model, cancellationToken)
                        || Failed(held, nullSide, binding, model, cancellationToken) is not { } failed)
                    {
                        return null;
                    }

                    return (nullSide, failed);
                }

                case IsPatternExpressionSyntax { Pattern: var pattern } test:
                {
                    bool negated = pattern is UnaryPatternSyntax { RawKind: (int)SyntaxKind.NotPattern };
                    if ((negated ? ((UnaryPatternSyntax)pattern).Pattern : pattern) is not ConstantPatternSyntax constant
                        || !IsNull(constant.Expression, model, cancellationToken)
                        || Failed(test.Expression, constant.Expression, binding, model, cancellationToken) is not { } failed)
                    {
                        return null;
                    }

                    ExpressionSyntax left = test.Expression.WithoutTrailingTrivia();
                    return (test, SyntaxFactory.BinaryExpression(negated ? SyntaxKind.NotEqualsExpression : SyntaxKind.EqualsExpression, left, failed));
                }

                default:
                    return null;
            }
        }

        private static IMethodSymbol? MmapMethod(Location call, SemanticModel model, CancellationToken cancellationToken)
        {
            if (call.SourceTree != model.SyntaxTree)
            {
                return null;
            }

            SyntaxNode node = model.SyntaxTree.GetRoot(cancellationToken).FindNode(call.SourceSpan, getInnermostNodeForTie: true);
            return model.GetOperation(node, cancellationToken) is IInvocationOperation invocation ? invocation.TargetMethod : null;
        }

        /// <summary>NULL in any spelling: null, 0, default, IntPtr.Zero, (void*)0.</summary>
        private static bool IsNull(ExpressionSyntax expression, SemanticModel model, CancellationToken cancellationToken)
        {
            IOperation? operation = model.GetOperation(expression, cancellationToken);
            while (operation is IConversionOperation or IParenthesizedOperation)
            {
                operation = operation is IConversionOperation conversion ? conversion.Operand : ((IParenthesizedOperation)operation).Operand;
            }

            return operation switch
            {
                { ConstantValue: { HasValue: true, Value: null } } => true,
                { ConstantValue: { HasValue: true, Value: { } value } } => value is int or long or uint or ulong or short or ushort or byte or sbyte && System.Convert.ToDecimal(value, System.Globalization.CultureInfo.InvariantCulture) == 0,
                IDefaultValueOperation => true,
                IFieldReferenceOperation { Field: { Name: "Zero", ContainingType.SpecialType: SpecialType.System_IntPtr or SpecialType.System_UIntPtr } } => true,
                _ => false,
            };
        }

        /// <summary>MAP_FAILED for a comparison with <paramref name="held"/>, in the file's idiom.</summary>
        private static ExpressionSyntax? Failed(ExpressionSyntax held, ExpressionSyntax nullSide, IMethodSymbol? binding, SemanticModel model, CancellationToken cancellationToken)
        {
            ITypeSymbol? type = model.GetTypeInfo(held, cancellationToken).Type;
            if (type is null || type.TypeKind == TypeKind.Error)
            {
                return null;
            }

            int position = held.SpanStart;
            if (binding?.ContainingType is { } container && BindingMember(container, type, model.Compilation) is { } member)
            {
                // Bare when the name already means that member here (using static, same class), else qualified.
                ISymbol? bare = model.GetSpeculativeSymbolInfo(position, SyntaxFactory.IdentifierName(member.Name), SpeculativeBindingOption.BindAsExpression).Symbol;
                return SymbolEqualityComparer.Default.Equals(bare, member)
                    ? SyntaxFactory.IdentifierName(member.Name)
                    : SyntaxFactory.ParseExpression(container.ToMinimalDisplayString(model, position) + "." + member.Name);
            }

            // A MAP_FAILED the file already sees by its bare name (a constants class imported with using static).
            if (model.GetSpeculativeSymbolInfo(position, SyntaxFactory.IdentifierName(MapFailed), SpeculativeBindingOption.BindAsExpression).Symbol is { } inScope
                && inScope.ContainingType is { } owner && SymbolEqualityComparer.Default.Equals(BindingMember(owner, type, model.Compilation), inScope))
            {
                return SyntaxFactory.IdentifierName(MapFailed);
            }

            switch (type)
            {
                case IPointerTypeSymbol:
                    return SyntaxFactory.ParseExpression("(" + type.ToMinimalDisplayString(model, position) + ")(-1)");
                case { SpecialType: SpecialType.System_IntPtr } when nullSide.ToString().Contains("IntPtr"):
                    return SyntaxFactory.ParseExpression("new " + ArgumentFixes.TypeName(model, position, "IntPtr") + "(-1)");
                case { SpecialType: SpecialType.System_IntPtr or SpecialType.System_Int64 or SpecialType.System_Int32 }:
                    return SyntaxFactory.ParseExpression("-1");
                case { SpecialType: SpecialType.System_UIntPtr }:
                    return SyntaxFactory.ParseExpression("unchecked((" + type.ToMinimalDisplayString(model, position) + ")(-1))");
                case { SpecialType: SpecialType.System_UInt64 }:
                    return SyntaxFactory.ParseExpression("ulong.MaxValue");
                default:
                    return null;
            }
        }

        /// <summary>The binding type's static MAP_FAILED field or property, when its type compares with <paramref name="held"/>.</summary>
        private static ISymbol? BindingMember(INamedTypeSymbol container, ITypeSymbol held, Compilation compilation)
        {
            foreach (ISymbol member in container.GetMembers(MapFailed))
            {
                ITypeSymbol? type = member switch
                {
                    IFieldSymbol { IsStatic: true } field => field.Type,
                    IPropertySymbol { IsStatic: true, GetMethod: not null } property => property.Type,
                    _ => null,
                };
                if (type is null || !compilation.IsSymbolAccessibleWithin(member, compilation.Assembly))
                {
                    continue;
                }

                if (SymbolEqualityComparer.Default.Equals(type, held) || type is IPointerTypeSymbol && held is IPointerTypeSymbol)
                {
                    return member;
                }
            }

            return null;
        }
    }
}
