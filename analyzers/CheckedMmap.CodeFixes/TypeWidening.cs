using System.Collections.Generic;
using System.Collections.Immutable;
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
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.FindSymbols;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace CheckedMmap.CodeFixes
{
    /// <summary>
    /// MMAP010 (a narrow type in a declaration): declare the parameter or result with libc's width (a length or size as
    /// <c>nuint</c>, an address or a mapping result as <c>nint</c>, an offset as <c>long</c>, munmap/mprotect/madvise's
    /// result as <c>int</c>) and cast at the binding's call sites in the solution where the old argument or use no longer
    /// converts implicitly, so the code still builds. Offered by <see cref="DeclarationCodeFix"/>.
    /// </summary>
    internal static class TypeWidening
    {
        /// <summary>The widening a diagnostic asks for, or null for a diagnostic of the other kind (or an enum type: no fix).</summary>
        public static Request? RequestFor(Diagnostic diagnostic, Solution solution, SyntaxNode? root)
        {
            if (!diagnostic.Properties.TryGetValue(DeclarationRule.WidenToProperty, out string? widenTo) || widenTo is null
                || solution.GetDocumentId(diagnostic.Location.SourceTree) is not { } document
                || (root is not null && root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not TypeSyntax))
            {
                return null;
            }

            return new Request(document, diagnostic.Location.SourceSpan, widenTo);
        }

        public readonly struct Request
        {
            public Request(DocumentId document, TextSpan span, string widenTo)
            {
                Document = document;
                Span = span;
                WidenTo = widenTo;
            }

            public DocumentId Document { get; }

            public TextSpan Span { get; }

            public string WidenTo { get; }
        }

        /// <summary>
        /// False when the binding is used other than by calling it or naming it (a delegate made from its method group, a
        /// function pointer): such a use needs the old signature, and no cast at a call site can keep it building.
        /// </summary>
        public static async Task<bool> CanWidenAsync(Solution solution, Request request, CancellationToken cancellationToken) =>
            await ResolveAsync(solution, request, cancellationToken).ConfigureAwait(false) is { } resolved
            && !await UsedOtherThanCalledAsync(resolved.References, cancellationToken).ConfigureAwait(false);

        /// <summary>The declaration a request rewrites: its document, model and type syntax, the binding, and every reference to it.</summary>
        private static async Task<(Document Document, SemanticModel Model, TypeSyntax Type, (IMethodSymbol Method, int? Ordinal) Declared, IEnumerable<ReferencedSymbol> References)?> ResolveAsync(
            Solution solution, Request request, CancellationToken cancellationToken)
        {
            if (solution.GetDocument(request.Document) is not { } document
                || await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) is not { } root
                || await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false) is not { } model
                || root.FindNode(request.Span, getInnermostNodeForTie: true) is not TypeSyntax typeSyntax
                || Declared(typeSyntax, model, cancellationToken) is not { } declared)
            {
                return null;
            }

            IEnumerable<ReferencedSymbol> references = await SymbolFinder.FindReferencesAsync(declared.Method, solution, cancellationToken).ConfigureAwait(false);
            return (document, model, typeSyntax, declared, references);
        }

        private static async Task<bool> UsedOtherThanCalledAsync(IEnumerable<ReferencedSymbol> references, CancellationToken cancellationToken)
        {
            foreach (ReferencedSymbol referenced in references)
            {
                foreach (ReferenceLocation location in referenced.Locations)
                {
                    if (location.IsImplicit || location.Location.SourceTree is not { } tree)
                    {
                        continue;
                    }

                    SyntaxNode root = await tree.GetRootAsync(cancellationToken).ConfigureAwait(false);
                    SyntaxNode node = root.FindNode(location.Location.SourceSpan, findInsideTrivia: true, getInnermostNodeForTie: true);
                    if (node.IsPartOfStructuredTrivia())
                    {
                        continue; // <see cref="…"/>
                    }

                    while (node.Parent is MemberAccessExpressionSyntax access && access.Name == node
                        || node.Parent is MemberBindingExpressionSyntax binding && binding.Name == node)
                    {
                        node = node.Parent;
                    }

                    bool called = node.Parent is InvocationExpressionSyntax invocation && invocation.Expression == node;
                    bool named = node.FirstAncestorOrSelf<InvocationExpressionSyntax>(i => i.Expression is IdentifierNameSyntax { Identifier.ValueText: "nameof" }) is not null;
                    if (!called && !named)
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        /// <summary>Every request in one pass: one editor per document, so casts inside a call and around it compose.</summary>
        public static async Task<Solution> WidenAsync(Solution solution, IReadOnlyList<Request> requests, CancellationToken cancellationToken)
        {
            var editors = new Dictionary<DocumentId, SyntaxEditor>();
            var done = new HashSet<(DocumentId, TextSpan)>();
            foreach (Request request in requests)
            {
                if (!done.Add((request.Document, request.Span))
                    || await ResolveAsync(solution, request, cancellationToken).ConfigureAwait(false) is not ({ } document, { } model, { } typeSyntax, var declared, { } references)
                    || model.GetTypeInfo(typeSyntax, cancellationToken).Type is not { } oldType
                    || NewType(model.Compilation, request.WidenTo) is not { } newType
                    || await UsedOtherThanCalledAsync(references, cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }

                SyntaxEditor editor = await EditorAsync(editors, document, cancellationToken).ConfigureAwait(false);
                editor.ReplaceNode(typeSyntax, TypeSyntaxOf(request.WidenTo, typeSyntax).WithTriviaFrom(typeSyntax));

                foreach (ReferencedSymbol referenced in references)
                {
                    foreach (ReferenceLocation location in referenced.Locations)
                    {
                        if (location.IsImplicit || solution.GetDocument(location.Document.Id) is not { } callDocument)
                        {
                            continue;
                        }

                        SemanticModel? callModel = await callDocument.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
                        SyntaxNode? callRoot = await callDocument.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
                        if (callModel is null || callRoot?.FindNode(location.Location.SourceSpan, getInnermostNodeForTie: true)
                                .FirstAncestorOrSelf<InvocationExpressionSyntax>() is not { } call
                            || callModel.GetOperation(call, cancellationToken) is not IInvocationOperation invocation
                            || !SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.OriginalDefinition.PartialDefinitionPart ?? invocation.TargetMethod.OriginalDefinition, declared.Method))
                        {
                            continue;
                        }

                        SyntaxEditor callEditor = await EditorAsync(editors, callDocument, cancellationToken).ConfigureAwait(false);
                        if (declared.Ordinal is int ordinal)
                        {
                            CastArgument(invocation, ordinal, newType, request.WidenTo, callModel, callEditor, cancellationToken);
                        }
                        else
                        {
                            CastResult(call, typeSyntax, oldType, newType, callModel, callEditor, cancellationToken);
                        }
                    }
                }
            }

            foreach (KeyValuePair<DocumentId, SyntaxEditor> edited in editors)
            {
                solution = solution.WithDocumentSyntaxRoot(edited.Key, edited.Value.GetChangedRoot());
            }

            return solution;
        }

        private static async Task<SyntaxEditor> EditorAsync(Dictionary<DocumentId, SyntaxEditor> editors, Document document, CancellationToken cancellationToken)
        {
            if (!editors.TryGetValue(document.Id, out SyntaxEditor? editor))
            {
                editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
                editors.Add(document.Id, editor);
            }

            return editor;
        }

        /// <summary>The binding and which of its parts the type declares: a parameter (its ordinal) or the result (null).</summary>
        private static (IMethodSymbol Method, int? Ordinal)? Declared(TypeSyntax type, SemanticModel model, CancellationToken cancellationToken)
        {
            switch (type.Parent)
            {
                case ParameterSyntax { Parent: ParameterListSyntax { Parent: { } declaration } list } parameter
                    when model.GetDeclaredSymbol(declaration, cancellationToken) is IMethodSymbol method:
                    return (method.PartialDefinitionPart ?? method, list.Parameters.IndexOf(parameter));
                case MethodDeclarationSyntax method when method.ReturnType == type && model.GetDeclaredSymbol(method, cancellationToken) is { } symbol:
                    return (symbol.PartialDefinitionPart ?? symbol, null);
                case LocalFunctionStatementSyntax local when local.ReturnType == type && model.GetDeclaredSymbol(local, cancellationToken) is IMethodSymbol symbol:
                    return (symbol, null);
                default:
                    return null;
            }
        }

        private static ITypeSymbol? NewType(Compilation compilation, string widenTo) => widenTo switch
        {
            DeclarationRule.WidenToNint => compilation.GetSpecialType(SpecialType.System_IntPtr),
            DeclarationRule.WidenToNuint => compilation.GetSpecialType(SpecialType.System_UIntPtr),
            DeclarationRule.WidenToLong => compilation.GetSpecialType(SpecialType.System_Int64),
            DeclarationRule.WidenToInt => compilation.GetSpecialType(SpecialType.System_Int32),
            _ => null,
        };

        /// <summary><c>nint</c>/<c>nuint</c> from C# 9 on, <c>System.IntPtr</c>/<c>System.UIntPtr</c> before.</summary>
        private static TypeSyntax TypeSyntaxOf(string widenTo, SyntaxNode context)
        {
            bool nativeIntegers = context.SyntaxTree.Options is CSharpParseOptions { LanguageVersion: >= LanguageVersion.CSharp9 };
            string text = widenTo switch
            {
                DeclarationRule.WidenToNint when !nativeIntegers => "System.IntPtr",
                DeclarationRule.WidenToNuint when !nativeIntegers => "System.UIntPtr",
                _ => widenTo,
            };
            return SyntaxFactory.ParseTypeName(text);
        }

        /// <summary>An argument that converted implicitly to the old parameter type but not to the new one gets a cast.</summary>
        private static void CastArgument(IInvocationOperation invocation, int ordinal, ITypeSymbol newType, string widenTo, SemanticModel model, SyntaxEditor editor, CancellationToken cancellationToken)
        {
            foreach (IArgumentOperation argument in invocation.Arguments)
            {
                // An argument's syntax is not always the ArgumentSyntax (for checked(...) it is the expression inside).
                if (argument.Parameter?.Ordinal != ordinal || argument.ArgumentKind != ArgumentKind.Explicit
                    || argument.Syntax.FirstAncestorOrSelf<ArgumentSyntax>() is not { Expression: { } expression } syntax
                    || syntax.Parent?.Parent != invocation.Syntax)
                {
                    continue;
                }

                // Constants convert by value (4096 to nuint); anything else by its type.
                bool converts = model.GetConstantValue(expression, cancellationToken).HasValue
                    ? model.ClassifyConversion(expression, newType).IsImplicit
                    : model.GetTypeInfo(expression, cancellationToken).Type is { } type && model.Compilation.ClassifyConversion(type, newType).IsImplicit;
                if (!converts)
                {
                    editor.ReplaceNode(expression, (current, _) =>
                        SyntaxFactory.CastExpression(TypeSyntaxOf(widenTo, expression), Operand((ExpressionSyntax)current)).WithTriviaFrom(current));
                }
            }
        }

        /// <summary>
        /// A use of the result that the new type no longer converts to implicitly, or a <c>var</c> local that would change
        /// type, keeps the old type through a cast, so the code around it builds as before.
        /// </summary>
        private static void CastResult(InvocationExpressionSyntax call, TypeSyntax oldTypeSyntax, ITypeSymbol oldType, ITypeSymbol newType, SemanticModel model, SyntaxEditor editor, CancellationToken cancellationToken)
        {
            if (call.Parent is ExpressionStatementSyntax || model.GetTypeInfo(call, cancellationToken).ConvertedType is not { } converted)
            {
                return;
            }

            // A var local would take the new type, and what the code does with it later may not build with that type.
            bool varLocal = call.Parent is EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Type.IsVar: true } } };
            bool memberOfResult = call.Parent is MemberAccessExpressionSyntax or ConditionalAccessExpressionSyntax or ElementAccessExpressionSyntax;
            if (!varLocal && !memberOfResult && model.Compilation.ClassifyConversion(newType, converted).IsImplicit)
            {
                return;
            }

            TypeSyntax old = SpelledAsDeclared(oldTypeSyntax, oldType, model, call.SpanStart);
            editor.ReplaceNode(call, (current, _) =>
            {
                ExpressionSyntax cast = SyntaxFactory.CastExpression(old, (ExpressionSyntax)current.WithoutTrivia());
                return (memberOfResult ? SyntaxFactory.ParenthesizedExpression(cast) : cast).WithTriviaFrom(current);
            });
        }

        /// <summary>The old type as the declaration wrote it (<c>IntPtr</c>, not <c>nint</c>) when that binds to it at the call site.</summary>
        private static TypeSyntax SpelledAsDeclared(TypeSyntax declared, ITypeSymbol type, SemanticModel model, int position)
        {
            TypeSyntax written = SyntaxFactory.ParseTypeName(declared.WithoutTrivia().ToString());
            ITypeSymbol? bound = model.GetSpeculativeTypeInfo(position, written, SpeculativeBindingOption.BindAsTypeOrNamespace).Type;
            return SymbolEqualityComparer.Default.Equals(bound, type) ? written : SyntaxFactory.ParseTypeName(type.ToMinimalDisplayString(model, position));
        }

        private static ExpressionSyntax Operand(ExpressionSyntax expression) =>
            expression is IdentifierNameSyntax or LiteralExpressionSyntax or MemberAccessExpressionSyntax or InvocationExpressionSyntax or ParenthesizedExpressionSyntax or ElementAccessExpressionSyntax or CheckedExpressionSyntax
                ? expression.WithoutTrivia()
                : SyntaxFactory.ParenthesizedExpression(expression.WithoutTrivia());
    }
}
