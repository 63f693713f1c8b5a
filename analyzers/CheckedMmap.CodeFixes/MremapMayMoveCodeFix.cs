using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using CheckedMmap.Analyzers.Values;
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
    /// MMAP013 (without MREMAP_MAYMOVE): add MREMAP_MAYMOVE to the flags. A 0 becomes the flag itself, anything else
    /// <c>flags | MREMAP_MAYMOVE</c>; the flag is spelled as a name the call site already sees (a constant or enum member
    /// of the binding's type, or one in scope), else as the member of the parameter's enum whose value it is, whatever
    /// its name (<c>MremapFlags.MayMove</c>), else as 1, cast to the parameter's enum when it is one.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MremapMayMoveCodeFix)), Shared]
    public sealed class MremapMayMoveCodeFix : CodeFixProvider
    {
        public const string Title = "Add MREMAP_MAYMOVE";
        private const string MayMove = "MREMAP_MAYMOVE";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIds.Mremap);

        public override FixAllProvider GetFixAllProvider() => EveryDiagnosticFixAll.For(this);

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            foreach (Diagnostic diagnostic in context.Diagnostics)
            {
                // One descriptor per case shares the ID: only the missing-MAYMOVE one has this fix.
                if (!diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains(MmapMessages.EinvalMremapWithoutMayMove))
                {
                    continue;
                }

                var found = await ArgumentFixes.FindAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false);
                if (found is not { } argument || Replacement(argument.Syntax, argument.Operation, argument.Model) is not { } replacement)
                {
                    continue;
                }

                context.RegisterCodeFix(
                    CodeAction.Create(Title, ct => ArgumentFixes.ReplaceAsync(context.Document, argument.Syntax.Expression, replacement, ct), equivalenceKey: nameof(MremapMayMoveCodeFix)),
                    diagnostic);
            }
        }

        private static ExpressionSyntax? Replacement(ArgumentSyntax syntax, IArgumentOperation operation, SemanticModel model)
        {
            ITypeSymbol type = operation.Parameter!.Type;
            ExpressionSyntax? flag = FlagName(operation, model, syntax.SpanStart, type);
            if (flag is null)
            {
                LiteralExpressionSyntax one = SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(MmapConstants.MREMAP_MAYMOVE));
                if (type.TypeKind == TypeKind.Enum)
                {
                    // An enum of the author's with no member of that value: the value cast to it.
                    flag = SyntaxFactory.CastExpression(SyntaxFactory.ParseTypeName(type.ToMinimalDisplayString(model, syntax.SpanStart)), one);
                }
                else if (type.SpecialType is SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Int64 or SpecialType.System_UInt64)
                {
                    flag = one;
                }
                else
                {
                    return null;
                }
            }

            IOperation value = operation.Value is IConversionOperation { IsImplicit: true } conversion ? conversion.Operand : operation.Value;
            if (value.ConstantValue is { HasValue: true, Value: { } zero } && IntegerConversions.FromConstant(zero) == 0)
            {
                return flag;
            }

            ExpressionSyntax left = syntax.Expression is BinaryExpressionSyntax or IdentifierNameSyntax or MemberAccessExpressionSyntax or LiteralExpressionSyntax or ParenthesizedExpressionSyntax
                ? syntax.Expression.WithoutTrivia()
                : SyntaxFactory.ParenthesizedExpression(syntax.Expression.WithoutTrivia());
            return SyntaxFactory.BinaryExpression(SyntaxKind.BitwiseOrExpression, left, flag);
        }

        /// <summary>MREMAP_MAYMOVE as the call site can name it: bare when in scope, else on the binding's type or the parameter's enum.</summary>
        private static ExpressionSyntax? FlagName(IArgumentOperation operation, SemanticModel model, int position, ITypeSymbol parameterType)
        {
            foreach (ISymbol symbol in model.LookupSymbols(position, name: MayMove))
            {
                if (symbol is IFieldSymbol { IsStatic: true } or IPropertySymbol { IsStatic: true } && IsUsable(symbol, parameterType, model))
                {
                    return SyntaxFactory.IdentifierName(MayMove);
                }
            }

            foreach (INamedTypeSymbol? container in new[] { parameterType as INamedTypeSymbol, ((IMethodSymbol)operation.Parameter!.ContainingSymbol).ContainingType })
            {
                if (container is null)
                {
                    continue;
                }

                foreach (ISymbol member in container.GetMembers(MayMove))
                {
                    if (member.IsStatic && model.IsAccessible(position, member) && IsUsable(member, parameterType, model))
                    {
                        return SyntaxFactory.ParseExpression(container.ToMinimalDisplayString(model, position) + "." + MayMove);
                    }
                }
            }

            // An enum of the author's names the flag its own way (MremapFlags.MayMove): the member of that value.
            if (parameterType is INamedTypeSymbol { TypeKind: TypeKind.Enum } flags)
            {
                foreach (IFieldSymbol member in flags.GetMembers().OfType<IFieldSymbol>())
                {
                    if (member.HasConstantValue && IntegerConversions.FromConstant(member.ConstantValue) == MmapConstants.MREMAP_MAYMOVE
                        && model.IsAccessible(position, member))
                    {
                        return SyntaxFactory.ParseExpression(flags.ToMinimalDisplayString(model, position) + "." + member.Name);
                    }
                }
            }

            return null;
        }

        private static bool IsUsable(ISymbol symbol, ITypeSymbol parameterType, SemanticModel model)
        {
            ITypeSymbol? type = symbol switch
            {
                IFieldSymbol field => field.Type,
                IPropertySymbol property => property.Type,
                _ => null,
            };
            return type is not null && model.Compilation.ClassifyConversion(type, parameterType).IsImplicit;
        }
    }
}
