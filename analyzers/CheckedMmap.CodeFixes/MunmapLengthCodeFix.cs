using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
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
    /// <summary>
    /// MMAP008: unmap the mapping's own length. The munmap's length argument becomes the expression the mapping was
    /// created with, when every name in it means the same thing at the munmap (same symbols, and no local or parameter
    /// in it is written after its declaration); a cast to the munmap's parameter type is added when needed. A length read
    /// from a local given its value for this call alone is fixed where the local gets it.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MunmapLengthCodeFix)), Shared]
    public sealed class MunmapLengthCodeFix : CodeFixProvider
    {
        public const string Title = "Unmap the mapping's own length";

        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(RuleIds.WholeMappingMunmap);

        public override FixAllProvider GetFixAllProvider() => EveryDiagnosticFixAll.For(this);

        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            foreach (Diagnostic diagnostic in context.Diagnostics)
            {
                if (!diagnostic.Properties.ContainsKey(WholeMappingMunmapRule.MappingLengthKey) || diagnostic.AdditionalLocations.Count < 3)
                {
                    continue;
                }

                if (await ReplacementAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false) is null)
                {
                    continue;
                }

                context.RegisterCodeFix(
                    CodeAction.Create(Title, ct => ApplyAsync(context.Document, diagnostic, ct), equivalenceKey: nameof(MunmapLengthCodeFix)),
                    diagnostic);
            }
        }

        private static async Task<Document> ApplyAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            if (root is null || await ReplacementAsync(document, diagnostic, cancellationToken).ConfigureAwait(false) is not { } rewrite)
            {
                return document;
            }

            return document.WithSyntaxRoot(root.ReplaceNode(rewrite.Old, rewrite.New.WithTriviaFrom(rewrite.Old)));
        }

        /// <summary>The munmap's length argument (the diagnostic's third additional location: a wrapper passes it at its own position).</summary>
        private static async Task<(ArgumentSyntax Syntax, IArgumentOperation Operation, SemanticModel Model)?> LengthArgumentAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            SemanticModel? model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            Location length = diagnostic.AdditionalLocations[2];
            if (root is null || model is null || length.SourceTree != model.SyntaxTree)
            {
                return null;
            }

            ArgumentSyntax? syntax = root.FindNode(length.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<ArgumentSyntax>();
            if (syntax is null || model.GetOperation(syntax, cancellationToken) is not IArgumentOperation { Parameter: not null } argument)
            {
                return null;
            }

            return (syntax, argument, model);
        }

        /// <summary>
        /// What to write where: the mapping's length in place of the munmap's length argument or, when that argument reads
        /// a local given its value just for this call (<c>int half = 4096; munmap(p, half);</c>), in place of that value,
        /// so that no local is left unused; the argument itself when the mapping's length cannot be written there.
        /// </summary>
        private static async Task<(ExpressionSyntax Old, ExpressionSyntax New)?> ReplacementAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            if (await LengthArgumentAsync(document, diagnostic, cancellationToken).ConfigureAwait(false) is not { } argument
                || UnmapsPartsElsewhere(argument.Operation, argument.Model, cancellationToken))
            {
                return null;
            }

            Location mappingLength = diagnostic.AdditionalLocations[1];
            SemanticModel model = argument.Model;
            if (mappingLength.SourceTree is not { } tree || !model.Compilation.ContainsSyntaxTree(tree))
            {
                return null;
            }

#pragma warning disable RS1030 // A code fix, not an analyzer: the mapping's length may be in another file.
            SemanticModel original = tree == model.SyntaxTree ? model : model.Compilation.GetSemanticModel(tree);
#pragma warning restore RS1030
            SyntaxNode lengthNode = tree.GetRoot(cancellationToken).FindNode(mappingLength.SourceSpan, getInnermostNodeForTie: true);
            if (lengthNode is ArgumentSyntax wrapped)
            {
                lengthNode = wrapped.Expression;
            }

            if (lengthNode is not ExpressionSyntax expression)
            {
                return null;
            }

            ArgumentFixes.Target? definition = ArgumentFixes.TargetOf(argument.Syntax, argument.Operation, model, cancellationToken);
            if (definition is not null && OnlyValueOf(definition, cancellationToken) is { } variable
                && original.ClassifyConversion(expression, variable.Type).IsImplicit
                && (!variable.NeedsConstant || original.GetConstantValue(expression, cancellationToken).HasValue)
                && (!variable.TypedByValue || SymbolEqualityComparer.Default.Equals(original.GetTypeInfo(expression, cancellationToken).Type, variable.Type))
                && LocalsDeclaredBefore(expression, original, model.SyntaxTree, definition.Expression.SpanStart, cancellationToken)
                && Written(expression, original, model, definition.Expression, variable.Type, cancellationToken) is { } atDefinition)
            {
                return (definition.Expression, atDefinition);
            }

            return Written(expression, original, model, argument.Syntax.Expression, argument.Operation.Parameter!.Type, cancellationToken) is { } atArgument
                ? (argument.Syntax.Expression, atArgument)
                : null;
        }

        /// <summary>
        /// The variable the length argument reads, when <paramref name="definition"/> is the one value it ever has: a local's
        /// initializer, nothing writing it again (a local written on some paths only keeps the others: rewriting one of
        /// its values would hide the partial munmap on the rest), or the initializer of a private field named nowhere
        /// else (<see cref="ArgumentFixes.TargetOf"/>). With what the new value must be: a constant for a const local
        /// and for any field (a field's initializer cannot read locals or instance members, and a static one reading
        /// another static field depends on their order), of the very type of a <c>var</c> local.
        /// </summary>
        private static (ITypeSymbol Type, bool NeedsConstant, bool TypedByValue)? OnlyValueOf(ArgumentFixes.Target definition, CancellationToken cancellationToken) => definition.Variable switch
        {
            ILocalSymbol local when local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is VariableDeclaratorSyntax { Initializer.Value: var initializer } declarator
                && initializer == definition.Expression
                && !IsWrittenAfterDeclaration(local, cancellationToken)
                => (local.Type, local.IsConst, declarator.Parent is VariableDeclarationSyntax { Type.IsVar: true }),
            IFieldSymbol field => (field.Type, true, false),
            _ => null,
        };

        /// <summary>Whether every local the mapping's length names is declared before <paramref name="position"/> (a
        /// local is in scope, not yet assigned, above its declaration).</summary>
        private static bool LocalsDeclaredBefore(ExpressionSyntax expression, SemanticModel original, SyntaxTree tree, int position, CancellationToken cancellationToken)
        {
            foreach (IdentifierNameSyntax name in expression.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
            {
                if (original.GetSymbolInfo(name, cancellationToken).Symbol is ILocalSymbol local
                    && (local.DeclaringSyntaxReferences.FirstOrDefault() is not { } declaration || declaration.SyntaxTree != tree || declaration.Span.End > position))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>The mapping's length written in place of <paramref name="place"/>, of type <paramref name="type"/>; null
        /// when a name in it means something else there.</summary>
        private static ExpressionSyntax? Written(ExpressionSyntax expression, SemanticModel original, SemanticModel model, ExpressionSyntax place, ITypeSymbol type, CancellationToken cancellationToken)
        {
            if (!MeansTheSameAt(expression, original, model, place.SpanStart, cancellationToken))
            {
                return null;
            }

            ExpressionSyntax copy = SyntaxFactory.ParseExpression(expression.ToString());
            ITypeSymbol? expressionType = original.GetTypeInfo(expression, cancellationToken).Type;
            if (expressionType is null || expressionType.TypeKind == TypeKind.Error)
            {
                return null;
            }

            // A constant that fits converts implicitly (8192 to nuint): no cast.
            if (original.ClassifyConversion(expression, type).IsImplicit)
            {
                return copy;
            }

            string typeName = type.ToMinimalDisplayString(model, place.SpanStart);
            return SyntaxFactory.CastExpression(SyntaxFactory.ParseTypeName(typeName),
                copy is IdentifierNameSyntax or MemberAccessExpressionSyntax or LiteralExpressionSyntax or InvocationExpressionSyntax ? copy : SyntaxFactory.ParenthesizedExpression(copy));
        }

        /// <summary>
        /// Whether the same body calls the same munmap again on the same mapping (the same local, field or parameter,
        /// offset or not): pieces unmapped one by one (<c>munmap(p + 4096, 4096); munmap(p, 4096);</c>). Widening one
        /// of them to the whole length would unmap the other piece twice; which change is right depends on intent.
        /// </summary>
        private static bool UnmapsPartsElsewhere(IArgumentOperation length, SemanticModel model, CancellationToken cancellationToken)
        {
            if (length.Parent is not IInvocationOperation munmap || munmap.Arguments.Length == 0 || Root(munmap.Arguments[0].Value, model, cancellationToken) is not { } mapping)
            {
                return false;
            }

            SyntaxNode? body = munmap.Syntax.FirstAncestorOrSelf<SyntaxNode>(n => n is MemberDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax);
            if (body is null)
            {
                return false;
            }

            foreach (InvocationExpressionSyntax call in body.DescendantNodes().OfType<InvocationExpressionSyntax>())
            {
                if (call == munmap.Syntax || model.GetOperation(call, cancellationToken) is not IInvocationOperation other
                    || !SymbolEqualityComparer.Default.Equals(other.TargetMethod.OriginalDefinition, munmap.TargetMethod.OriginalDefinition)
                    || other.Arguments.Length == 0)
                {
                    continue;
                }

                if (SymbolEqualityComparer.Default.Equals(Root(other.Arguments[0].Value, model, cancellationToken), mapping))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>The variable an address is read from, through conversions, pointer arithmetic and locals initialized
        /// from it and not written again (<c>IntPtr q = p + 4096;</c> is p's mapping).</summary>
        private static ISymbol? Root(IOperation address, SemanticModel model, CancellationToken cancellationToken, int depth = 0)
        {
            while (depth++ < 16)
            {
                switch (address)
                {
                    case IConversionOperation conversion:
                        address = conversion.Operand;
                        break;
                    case IBinaryOperation binary:
                        address = binary.LeftOperand;
                        break;
                    case IParenthesizedOperation parenthesized:
                        address = parenthesized.Operand;
                        break;
                    case ILocalReferenceOperation local:
                        // A local made from another variable (q = p + 4096) stands for that one; one made by a call is its own.
                        if (local.Local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is VariableDeclaratorSyntax { Initializer.Value: { } initializer }
                            && initializer.SyntaxTree == model.SyntaxTree
                            && !IsWrittenAfterDeclaration(local.Local, cancellationToken)
                            && model.GetOperation(initializer, cancellationToken) is { } value
                            && Root(value, model, cancellationToken, depth) is { } from)
                        {
                            return from;
                        }

                        return local.Local;
                    case IParameterReferenceOperation parameter:
                        return parameter.Parameter;
                    case IFieldReferenceOperation field:
                        return field.Field;
                    default:
                        return null;
                }
            }

            return null;
        }

        /// <summary>Every leftmost name of the expression binds to the same symbol at the munmap, and no local or parameter in it is written after its declaration.</summary>
        private static bool MeansTheSameAt(ExpressionSyntax expression, SemanticModel original, SemanticModel target, int position, CancellationToken cancellationToken)
        {
            foreach (IdentifierNameSyntax name in expression.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
            {
                if (name.Parent is MemberAccessExpressionSyntax access && access.Name == name)
                {
                    continue; // Follows from what its left side means.
                }

                ISymbol? symbol = original.GetSymbolInfo(name, cancellationToken).Symbol;
                if (symbol is null)
                {
                    return false;
                }

                ISymbol? there = target.GetSpeculativeSymbolInfo(position, SyntaxFactory.IdentifierName(name.Identifier.ValueText), SpeculativeBindingOption.BindAsExpression).Symbol
                    ?? target.GetSpeculativeSymbolInfo(position, SyntaxFactory.IdentifierName(name.Identifier.ValueText), SpeculativeBindingOption.BindAsTypeOrNamespace).Symbol;
                if (!SymbolEqualityComparer.Default.Equals(symbol.OriginalDefinition, there?.OriginalDefinition))
                {
                    return false;
                }

                if (symbol is ILocalSymbol or IParameterSymbol && IsWrittenAfterDeclaration(symbol, cancellationToken))
                {
                    return false;
                }
            }

            return true;
        }

        private static bool IsWrittenAfterDeclaration(ISymbol symbol, CancellationToken cancellationToken)
        {
            if (symbol is ILocalSymbol { IsConst: true })
            {
                return false;
            }

            SyntaxNode? member = symbol.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken)
                .FirstAncestorOrSelf<SyntaxNode>(n => n is MemberDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax);
            if (member is null)
            {
                return true;
            }

            foreach (IdentifierNameSyntax name in member.DescendantNodes().OfType<IdentifierNameSyntax>())
            {
                if (name.Identifier.ValueText != symbol.Name)
                {
                    continue;
                }

                SyntaxNode parent = name.Parent!;
                if (parent is AssignmentExpressionSyntax assignment && assignment.Left == name
                    || parent is PrefixUnaryExpressionSyntax or PostfixUnaryExpressionSyntax
                    || parent is ArgumentSyntax argument && CheckedMmap.Analyzers.Binding.CallNames.LetsCalleeWrite(argument))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
