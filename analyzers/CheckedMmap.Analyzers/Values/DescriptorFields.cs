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
    /// written names (one pass per type), and only the writes of the field's name are bound.
    /// </summary>
    internal static class DescriptorFields
    {
        // A constructor this long is read without its locals (its graph is not built for one field).
        private const int MaxConstructorLength = 20_000;

        // Per field, per binding's numbers and target OS (a constructor's OS checks decide which writes run).
        private static readonly ConditionalWeakTable<IFieldSymbol, ConcurrentDictionary<(MmapConstants, TargetOS), bool>> Known =
            new ConditionalWeakTable<IFieldSymbol, ConcurrentDictionary<(MmapConstants, TargetOS), bool>>();

        // Fields one question may decide (a field written from fields written from fields…).
        private const int MaxFieldsPerQuestion = 64;

        // How deep in an evaluation a field is still decided: its writes are evaluated further down the same evaluation,
        // which leaves them this much room; deeper, the field is not decided (and that answer is not kept).
        private const int MaxDepth = 12;

        // The fields the question being answered on this thread has decided (null: being decided).
        [System.ThreadStatic]
        private static System.Collections.Generic.Dictionary<IFieldSymbol, bool?>? t_question;

        // Whether that question met a cycle or the limit (its answers are then not kept).
        [System.ThreadStatic]
        private static bool t_cut;

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

            // A field written from other such fields is decided through them, each at most once per question (a question
            // about fields written from fields stays linear in them). A cycle, or more fields than the limit, is not
            // decided: that answer is not kept, so that asking about the fields in another order gives the same.
            bool outermost = t_question is null;
            t_question ??= new System.Collections.Generic.Dictionary<IFieldSymbol, bool?>(SymbolEqualityComparer.Default);
            try
            {
                if (t_question.TryGetValue(field, out bool? decided))
                {
                    t_cut |= decided is null; // a cycle
                    return decided == true ? ValueSet.Descriptor : ValueSet.Unknown;
                }

                if (t_question.Count >= MaxFieldsPerQuestion || depth > MaxDepth)
                {
                    t_cut = true;
                    return ValueSet.Unknown;
                }

                t_question[field] = null;
                bool holds = EveryWriteIsDescriptor(field, scope, current, depth);
                t_question[field] = holds;
                if (!t_cut)
                {
                    holds = verdicts.GetOrAdd(key, holds);
                }

                return holds ? ValueSet.Descriptor : ValueSet.Unknown;
            }
            finally
            {
                if (outermost)
                {
                    t_question = null;
                    t_cut = false;
                }
            }
        }

        private static bool EveryWriteIsDescriptor(IFieldSymbol field, EvaluationScope scope, SemanticModel? current, int depth)
        {
            int writes = 0;
            if (field.DeclaringSyntaxReferences[0].GetSyntax() is VariableDeclaratorSyntax { Initializer.Value: { } initializer })
            {
                if (!IsDescriptor(initializer, scope, current, depth))
                {
                    return false;
                }

                writes++;
            }

            foreach (Write write in WritesIn(field.ContainingType).Named(field.Name))
            {
                SemanticModel? model = scope.Models.Get(write.Name.SyntaxTree, current);
                if (model is null)
                {
                    return false;
                }

                if (!SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(write.Name).Symbol?.OriginalDefinition, field.OriginalDefinition))
                {
                    continue; // a local, parameter or other member of the same name
                }

                if (write.Stored is null || !IsDescriptor(write.Stored, scope, model, depth))
                {
                    return false;
                }

                writes++;
            }

            return writes > 0;
        }

        // Every name a type's source writes to, found in one pass over its declarations: a type whose readonly fields are
        // all asked about is read once, not once per field.
        private static readonly ConditionalWeakTable<INamedTypeSymbol, TypeWrites> Writes = new ConditionalWeakTable<INamedTypeSymbol, TypeWrites>();

        private static TypeWrites WritesIn(INamedTypeSymbol type) => Writes.GetValue(type, TypeWrites.Scan);

        private readonly struct Write
        {
            public Write(IdentifierNameSyntax name, ExpressionSyntax? stored)
            {
                Name = name;
                Stored = stored;
            }

            /// <summary>The written name (bound to tell a field from a local or parameter of the same name).</summary>
            public IdentifierNameSyntax Name { get; }

            /// <summary>The value a plain assignment stores; null for any other write.</summary>
            public ExpressionSyntax? Stored { get; }
        }

        private sealed class TypeWrites
        {
            private readonly System.Collections.Generic.Dictionary<string, System.Collections.Generic.List<Write>> _byName =
                new System.Collections.Generic.Dictionary<string, System.Collections.Generic.List<Write>>(System.StringComparer.Ordinal);

            public static TypeWrites Scan(INamedTypeSymbol type)
            {
                var writes = new TypeWrites();
                foreach (SyntaxReference part in type.DeclaringSyntaxReferences)
                {
                    foreach (SyntaxNode node in part.GetSyntax().DescendantNodes())
                    {
                        if (node is IdentifierNameSyntax name)
                        {
                            ExpressionSyntax use = name.Parent is MemberAccessExpressionSyntax access && access.Name == name ? access : name;
                            while (use.Parent is ParenthesizedExpressionSyntax parenthesized)
                            {
                                use = parenthesized; // (_fd) = -1, (this._fd) = -1
                            }

                            if (IsWrite(use, out ExpressionSyntax? stored))
                            {
                                writes.Add(name, stored);
                            }
                        }
                    }
                }

                return writes;
            }

            public System.Collections.Generic.IEnumerable<Write> Named(string name) =>
                _byName.TryGetValue(name, out System.Collections.Generic.List<Write>? found) ? found : System.Linq.Enumerable.Empty<Write>();

            private void Add(IdentifierNameSyntax name, ExpressionSyntax? stored)
            {
                string text = name.Identifier.ValueText;
                if (!_byName.TryGetValue(text, out System.Collections.Generic.List<Write>? list))
                {
                    list = new System.Collections.Generic.List<Write>();
                    _byName.Add(text, list);
                }

                list.Add(new Write(name, stored));
            }
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
                    return Binding.CallNames.LetsCalleeWrite(argument)
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

            ValueSet values;
            if (value.FirstAncestorOrSelf<BaseMethodDeclarationSyntax>() is not { } method || method.Span.Length > MaxConstructorLength
                || ControlFlowGraphs.EnclosingBodySyntax(operation) is not { } body)
            {
                values = new ValueEvaluator(scope, locals: null).Evaluate(operation, depth + 1);
            }
            else
            {
                // One local analysis per constructor serves every field it writes. Another thread using it, or this one
                // further up its stack (a field written from a field of the same constructor), gets one of its own.
                IOperation root = operation;
                BodyFacts NewFacts() => new BodyFacts(body, () => ControlFlowGraphs.ForEnclosingBody(root, CancellationToken.None));
                BodyFacts shared = Constructors.GetValue(body, _ => NewFacts());
                bool entered = !Monitor.IsEntered(shared) && Monitor.TryEnter(shared);
                try
                {
                    values = new ValueEvaluator(scope, (entered ? shared : NewFacts()).LocalsFor(scope)).Evaluate(operation, depth + 1);
                }
                finally
                {
                    if (entered)
                    {
                        Monitor.Exit(shared);
                    }
                }
            }

            return values.HasDescriptor && values.Values.Count == 0;
        }

        private static readonly ConditionalWeakTable<SyntaxNode, BodyFacts> Constructors = new ConditionalWeakTable<SyntaxNode, BodyFacts>();
    }
}
