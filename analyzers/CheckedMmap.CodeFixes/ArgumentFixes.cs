using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CheckedMmap.Analyzers;
using CheckedMmap.Analyzers.Binding;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace CheckedMmap.CodeFixes
{
    /// <summary>Shared plumbing: find the reported argument, and replace its expression.</summary>
    internal static class ArgumentFixes
    {
        /// <summary>The argument a diagnostic sits on, with its operation (parameter and value).</summary>
        public static async Task<(ArgumentSyntax Syntax, IArgumentOperation Operation, SemanticModel Model)?> FindAsync(
            Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            SemanticModel? model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
            if (root is null || model is null)
            {
                return null;
            }

            SyntaxNode node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            ArgumentSyntax? argument = node as ArgumentSyntax ?? node.FirstAncestorOrSelf<ArgumentSyntax>();
            if (argument is null || argument.Span != diagnostic.Location.SourceSpan && argument.Expression.Span != diagnostic.Location.SourceSpan)
            {
                return null;
            }

            // An argument written as checked(…) or unchecked(…) has no operation of its own: it is its call's.
            IArgumentOperation? operation = model.GetOperation(argument, cancellationToken) as IArgumentOperation
                ?? (argument.Parent?.Parent is { } call && model.GetOperation(call, cancellationToken) is IInvocationOperation invocation
                    ? invocation.Arguments.FirstOrDefault(a => ArgumentLocations.Written(a, invocation) == argument)
                    : null);
            if (operation?.Parameter is null)
            {
                return null;
            }

            return (argument, operation, model);
        }

        /// <summary>
        /// Whether the argument reaches mmap as it is: passed to the binding itself, or to a wrapper whose body passes
        /// that parameter straight to the binding (conversions aside). A wrapper that computes mmap's argument from it (a
        /// switch over an enum of its own, a helper) gives the value another meaning, and no fix can spell mmap's value
        /// in the wrapper's terms: none is offered.
        /// </summary>
        public static bool ReachesBindingUnchanged(IArgumentOperation argument, SemanticModel model, CancellationToken cancellationToken)
        {
            IMethodSymbol? callee = argument.Parent switch
            {
                IInvocationOperation call => call.TargetMethod,
                IObjectCreationOperation creation => creation.Constructor, // a constructor wrapper: new MappedRegion(…)
                _ => null,
            };
            if (callee is null || argument.Parameter is null)
            {
                return false;
            }

            var bindings = new MmapCallResolver(model.Compilation);
            if (bindings.Resolve(callee) is not null)
            {
                return true;
            }

            IMethodSymbol wrapper = callee.OriginalDefinition;
            if (wrapper.DeclaringSyntaxReferences.Length != 1)
            {
                return false;
            }

            SyntaxReference reference = wrapper.DeclaringSyntaxReferences[0];
#pragma warning disable RS1030 // A code fix, not an analyzer: the wrapper may be declared in another file.
            SemanticModel wrapperModel = reference.SyntaxTree == model.SyntaxTree ? model : model.Compilation.GetSemanticModel(reference.SyntaxTree);
#pragma warning restore RS1030
            int ordinal = argument.Parameter.OriginalDefinition.Ordinal;
            SyntaxNode declaration = reference.GetSyntax(cancellationToken);
            foreach (InvocationExpressionSyntax inner in CallNames.CallsRunBy(declaration))
            {
                if (wrapperModel.GetOperation(inner, cancellationToken) is not IInvocationOperation innerCall || bindings.Resolve(innerCall.TargetMethod) is null)
                {
                    continue;
                }

                if (innerCall.Arguments.Any(passed => MmapWrapperResolver.PassedStraightThrough(passed.Value, wrapper)?.Ordinal == ordinal))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>
        /// Whether to spell a pointer-sized value as IntPtr/UIntPtr (<c>IntPtr.Zero</c>, <c>new IntPtr(-1)</c>) rather than
        /// a plain number: when the call already writes it that way, or when a number would not convert implicitly
        /// (IntPtr before C# 11's numeric IntPtr).
        /// </summary>
        public static bool SpellAsIntPtr(ExpressionSyntax expression, ITypeSymbol type, SemanticModel model)
        {
            if (type.SpecialType != SpecialType.System_IntPtr && type.SpecialType != SpecialType.System_UIntPtr)
            {
                return false;
            }

            string text = expression.ToString();
            if (text.Contains("IntPtr"))
            {
                return true;
            }

            ITypeSymbol? literalType = model.Compilation.GetSpecialType(SpecialType.System_Int32);
            return !model.Compilation.ClassifyCommonConversion(literalType, type).IsImplicit;
        }

        /// <summary>"IntPtr" where <c>using System;</c> brings it in scope, else "System.IntPtr" (same for UIntPtr).</summary>
        public static string TypeName(SemanticModel model, int position, string name)
        {
            foreach (ISymbol symbol in model.LookupNamespacesAndTypes(position, container: null, name: name))
            {
                if (symbol is ITypeSymbol { ContainingNamespace.Name: "System" })
                {
                    return name;
                }
            }

            return "System." + name;
        }

        /// <summary>The expression a fix rewrites, its operation and the type it must have.</summary>
        public sealed class Target
        {
            public Target(ExpressionSyntax expression, IOperation value, ITypeSymbol type, ISymbol? variable = null)
            {
                Expression = expression;
                Value = value;
                Type = type;
                Variable = variable;
            }

            public ExpressionSyntax Expression { get; }

            public IOperation Value { get; }

            public ITypeSymbol Type { get; }

            /// <summary>The local or field whose value <see cref="Expression"/> is; null when it is the argument itself.</summary>
            public ISymbol? Variable { get; }
        }

        /// <summary>
        /// The argument itself; or, when it reads a local (or a private readonly or const field of the author's, declared
        /// in this file and read nowhere else), the value that local was last given before the call (its initializer or
        /// last plain assignment), or the field's initializer. Null when the local is also changed in a way no fix of one value can follow
        /// (compound assignment, ++/--, ref or out). A local's value is rewritten only when the call is the local's one
        /// read and the value does nothing but compute (no call, allocation or assignment): <c>int fd = open(…)</c> read
        /// again by <c>if (fd &lt; 0)</c> keeps its <c>open</c>, and the argument is rewritten instead.
        /// </summary>
        public static Target? TargetOf(ArgumentSyntax argument, IArgumentOperation operation, SemanticModel model, CancellationToken cancellationToken)
        {
            var whole = new Target(argument.Expression, operation.Value, operation.Parameter!.Type);
            IOperation value = operation.Value;
            while (value is IConversionOperation { IsImplicit: true } conversion)
            {
                value = conversion.Operand;
            }

            ExpressionSyntax? definition;
            ITypeSymbol? type;
            switch (value)
            {
                case ILocalReferenceOperation local:
                    definition = LastValueBefore(local.Local, argument, model, cancellationToken, out bool changedOtherwise);
                    if (changedOtherwise)
                    {
                        return null;
                    }

                    type = local.Local.Type;
                    break;
                case IFieldReferenceOperation field when (field.Field.IsReadOnly || field.Field.IsConst) && !IsBindingConstant(field.Field, operation):
                    definition = (field.Field.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) as VariableDeclaratorSyntax)?.Initializer?.Value;
                    type = field.Field.Type;
                    break;
                default:
                    return whole;
            }

            if (definition is null || definition.SyntaxTree != argument.SyntaxTree || model.GetOperation(definition, cancellationToken) is not { } definitionValue
                || HasEffects(definitionValue)
                || (value is ILocalReferenceOperation read && IsReadElsewhere(read.Local, argument, model, cancellationToken))
                || (value is IFieldReferenceOperation fieldRead && IsReadElsewhere(fieldRead.Field, argument, model, cancellationToken)))
            {
                return whole;
            }

            return new Target(definition, definitionValue, type, (value as ILocalReferenceOperation)?.Local ?? (ISymbol?)(value as IFieldReferenceOperation)?.Field);
        }

        /// <summary>Whether evaluating the value does more than compute: a call, an allocation, an assignment.</summary>
        private static bool HasEffects(IOperation value) =>
            value.DescendantsAndSelf().Any(op => op is IInvocationOperation or IObjectCreationOperation or IAssignmentOperation
                or IIncrementOrDecrementOperation or IDynamicInvocationOperation or IDynamicObjectCreationOperation
                or IAwaitOperation or IPropertyReferenceOperation { Property.IsIndexer: true });

        /// <summary>Whether the local is read anywhere in its scope but in <paramref name="argument"/>.</summary>
        private static bool IsReadElsewhere(ILocalSymbol local, ArgumentSyntax argument, SemanticModel model, CancellationToken cancellationToken)
        {
            if (local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is not VariableDeclaratorSyntax declarator)
            {
                return true;
            }

            SyntaxNode scope = (SyntaxNode?)declarator.FirstAncestorOrSelf<BlockSyntax>() ?? declarator.Parent!;
            return IsNamedElsewhere(local, scope, argument, model, plainWritesToo: false, cancellationToken);
        }

        /// <summary>Whether the field may be read anywhere but in <paramref name="argument"/>: any field other code can see,
        /// or a private one named elsewhere in its type. Its initializer is then everyone's value, and the fix rewrites the
        /// argument instead.</summary>
        private static bool IsReadElsewhere(IFieldSymbol field, ArgumentSyntax argument, SemanticModel model, CancellationToken cancellationToken)
        {
            if (field.DeclaredAccessibility != Accessibility.Private)
            {
                return true;
            }

            foreach (SyntaxReference part in field.ContainingType.DeclaringSyntaxReferences)
            {
                SyntaxNode type = part.GetSyntax(cancellationToken);
                SemanticModel partModel = type.SyntaxTree == model.SyntaxTree ? model : model.Compilation.GetSemanticModel(type.SyntaxTree);
                if (IsNamedElsewhere(field, type, argument, partModel, plainWritesToo: true, cancellationToken))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Whether <paramref name="symbol"/> is named in <paramref name="scope"/> outside <paramref name="argument"/>;
        /// a plain assignment to it (<c>x = …</c>) counts only with <paramref name="plainWritesToo"/>.</summary>
        private static bool IsNamedElsewhere(ISymbol symbol, SyntaxNode scope, ArgumentSyntax argument, SemanticModel model, bool plainWritesToo, CancellationToken cancellationToken)
        {
            foreach (IdentifierNameSyntax name in scope.DescendantNodes().OfType<IdentifierNameSyntax>())
            {
                if (name.Identifier.ValueText != symbol.Name || argument.Span.Contains(name.Span)
                    || (!plainWritesToo && name.Parent is AssignmentExpressionSyntax { Left: var left } assignment && left == name && assignment.IsKind(SyntaxKind.SimpleAssignmentExpression)))
                {
                    continue;
                }

                if (SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name, cancellationToken).Symbol, symbol))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>PROT_EXEC and the like: the binding's own constants, which other calls rely on, are never rewritten.</summary>
        private static bool IsBindingConstant(IFieldSymbol field, IArgumentOperation operation) =>
            field.Name.StartsWith("PROT_", System.StringComparison.Ordinal) || field.Name.StartsWith("MAP_", System.StringComparison.Ordinal) ||
            SymbolEqualityComparer.Default.Equals(field.ContainingType, operation.Parameter!.ContainingSymbol.ContainingType);

        private static ExpressionSyntax? LastValueBefore(ILocalSymbol local, ArgumentSyntax argument, SemanticModel model, CancellationToken cancellationToken, out bool changedOtherwise)
        {
            changedOtherwise = false;
            if (local.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is not VariableDeclaratorSyntax declarator)
            {
                return null;
            }

            SyntaxNode scope = (SyntaxNode?)declarator.FirstAncestorOrSelf<BlockSyntax>() ?? declarator.Parent!;
            ExpressionSyntax? last = declarator.Initializer?.Value;
            foreach (IdentifierNameSyntax name in scope.DescendantNodes().OfType<IdentifierNameSyntax>())
            {
                if (name.Identifier.ValueText != local.Name || !SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name, cancellationToken).Symbol, local))
                {
                    continue;
                }

                switch (name.Parent)
                {
                    case AssignmentExpressionSyntax assignment when assignment.Left == name:
                        if (!assignment.IsKind(SyntaxKind.SimpleAssignmentExpression))
                        {
                            changedOtherwise = true;
                        }
                        else if (assignment.SpanStart < argument.SpanStart)
                        {
                            last = assignment.Right;
                        }

                        break;
                    case PrefixUnaryExpressionSyntax:
                    case PostfixUnaryExpressionSyntax:
                        changedOtherwise = true;
                        break;
                    case ArgumentSyntax byReference when CallNames.LetsCalleeWrite(byReference):
                        changedOtherwise = true;
                        break;
                }
            }

            return last;
        }

        public static async Task<Document> ReplaceAsync(Document document, ExpressionSyntax target, ExpressionSyntax replacement, CancellationToken cancellationToken)
        {
            SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            if (root is null)
            {
                return document;
            }

            ExpressionSyntax newExpression = replacement.WithTriviaFrom(target);
            return document.WithSyntaxRoot(root.ReplaceNode(target, newExpression));
        }
    }
}
