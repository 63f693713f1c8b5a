using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading;
using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace CheckedMmap.Analyzers.Values
{
    /// <summary>
    /// Readonly fields that hold a file descriptor: an io_uring ring or a framebuffer wrapper opens its descriptor in
    /// the constructor (<c>_ringFd = io_uring_setup(…)</c>) and maps it in a method (<c>mmap(…, _ringFd, …)</c>). A
    /// readonly field is written only by its initializer and its type's constructors, so when every one of those writes
    /// stores a descriptor (what <c>open</c> and its kin return, a local the constructor checked, a .NET file handle),
    /// every read of the field is one. Any other write (a parameter, a number, <c>ref</c>/<c>out</c>, a tuple) leaves
    /// the field unknown, and no rule reports on it. Decided once per field: the type's source is scanned for the
    /// field's name, and only the writes found are bound.
    /// </summary>
    internal static class DescriptorFields
    {
        // A constructor this long is read without its locals (its graph is not built for one field).
        private const int MaxConstructorLength = 20_000;

        // Per field, per binding's numbers and target OS (a constructor's OS checks decide which writes run).
        private static readonly ConditionalWeakTable<IFieldSymbol, ConcurrentDictionary<(MmapConstants, TargetOS), bool>> Known =
            new ConditionalWeakTable<IFieldSymbol, ConcurrentDictionary<(MmapConstants, TargetOS), bool>>();

        [System.ThreadStatic]
        private static int t_nesting;

        /// <summary><see cref="ValueSet.Descriptor"/> for a readonly field that every write gives a descriptor, else unknown.</summary>
        public static ValueSet ValueOf(IFieldSymbol field, EvaluationScope scope, SemanticModel? current, int depth)
        {
            if (!field.IsReadOnly || field.IsConst || field.DeclaringSyntaxReferences.Length != 1
                || !(IntegerConversions.IsTrackable(field.Type) || DescriptorSources.IsSafeHandle(field.Type)))
            {
                return ValueSet.Unknown;
            }

            ConcurrentDictionary<(MmapConstants, TargetOS), bool> verdicts = Known.GetOrCreateValue(field);
            var key = (scope.Constants, scope.Target);
            if (verdicts.TryGetValue(key, out bool known))
            {
                return known ? ValueSet.Descriptor : ValueSet.Unknown;
            }

            // A field written from another such field is decided through it; a cycle of them is not decided at all.
            if (t_nesting >= 3)
            {
                return ValueSet.Unknown;
            }

            t_nesting++;
            bool holds;
            try
            {
                holds = EveryWriteIsDescriptor(field, scope, current, depth);
            }
            finally
            {
                t_nesting--;
            }

            return verdicts.GetOrAdd(key, holds) ? ValueSet.Descriptor : ValueSet.Unknown;
        }

        private static bool EveryWriteIsDescriptor(IFieldSymbol field, EvaluationScope scope, SemanticModel? current, int depth)
        {
            int writes = 0;
            if (field.DeclaringSyntaxReferences[0].GetSyntax() is VariableDeclaratorSyntax { Initializer.Value: { } initializer } declarator)
            {
                if (!IsDescriptor(initializer, scope, current, depth))
                {
                    return false;
                }

                writes++;
            }

            foreach (SyntaxReference part in field.ContainingType.DeclaringSyntaxReferences)
            {
                SyntaxNode type = part.GetSyntax();
                SemanticModel? model = null;
                foreach (SyntaxToken token in type.DescendantTokens())
                {
                    if (!token.IsKind(SyntaxKind.IdentifierToken) || token.ValueText != field.Name || token.Parent is not IdentifierNameSyntax name)
                    {
                        continue;
                    }

                    ExpressionSyntax use = name.Parent is MemberAccessExpressionSyntax access && access.Name == name ? access : name;
                    if (!IsWrite(use, out ExpressionSyntax? stored))
                    {
                        continue; // a read
                    }

                    model ??= scope.Models.Get(part.SyntaxTree, current);
                    if (model is null)
                    {
                        return false;
                    }

                    if (!SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(name).Symbol?.OriginalDefinition, field.OriginalDefinition))
                    {
                        continue; // a local, parameter or other member of the same name
                    }

                    if (stored is null || !IsDescriptor(stored, scope, model, depth))
                    {
                        return false;
                    }

                    writes++;
                }
            }

            return writes > 0;
        }

        /// <summary>Whether <paramref name="use"/> is written; <paramref name="stored"/> is the value of a plain
        /// assignment, null for a write whose value is not an expression here (compound, ++, ref, out, a tuple).</summary>
        private static bool IsWrite(ExpressionSyntax use, out ExpressionSyntax? stored)
        {
            stored = null;
            switch (use.Parent)
            {
                case AssignmentExpressionSyntax assignment when assignment.Left == use:
                    stored = assignment.IsKind(SyntaxKind.SimpleAssignmentExpression) ? assignment.Right : null;
                    return true;
                case PrefixUnaryExpressionSyntax prefix when prefix.IsKind(SyntaxKind.PreIncrementExpression) || prefix.IsKind(SyntaxKind.PreDecrementExpression):
                case PostfixUnaryExpressionSyntax:
                case RefExpressionSyntax:
                    return true;
                case ArgumentSyntax argument:
                    return !argument.RefKindKeyword.IsKind(SyntaxKind.None) && !argument.RefKindKeyword.IsKind(SyntaxKind.InKeyword)
                        || argument.Parent is TupleExpressionSyntax;
                default:
                    return false;
            }
        }

        private static bool IsDescriptor(ExpressionSyntax value, EvaluationScope scope, SemanticModel? model, int depth)
        {
            model = scope.Models.Get(value.SyntaxTree, model);
            if (model?.GetOperation(value) is not { } operation)
            {
                return false;
            }

            ILocalValueSource? locals = null;
            if (value.FirstAncestorOrSelf<BaseMethodDeclarationSyntax>() is { } method && method.Span.Length <= MaxConstructorLength)
            {
                IOperation root = operation;
                locals = new BodyFacts(ControlFlowGraphs.EnclosingBodySyntax(operation),
                    () => ControlFlowGraphs.ForEnclosingBody(root, CancellationToken.None)).LocalsFor(scope);
            }

            ValueSet values = new ValueEvaluator(scope, locals).Evaluate(operation, depth);
            return values.HasDescriptor && values.Values.Count == 0;
        }
    }
}
