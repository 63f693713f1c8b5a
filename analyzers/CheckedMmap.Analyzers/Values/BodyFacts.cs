using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using CheckedMmap.Analyzers.Binding;
using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace CheckedMmap.Analyzers.Values
{
    /// <summary>
    /// What the analyzer learns about one body (method, accessor, constructor, top-level statements) once, for every
    /// mmap call in it: its control flow graph, where each local reference sits in it, the dataflow of its locals and
    /// which names are written. Without this, each call repeated the work of the whole body and time grew as the
    /// square of the number of calls. Used by one thread at a time (the calls of one file are analyzed in order).
    /// </summary>
    internal sealed class BodyFacts
    {
        private readonly Func<ControlFlowGraph?> _createGraph;
        // Syntax never changes, so the names of a scope are computed once and shared by every analyzer of the package
        // (MMAP001-MMAP007 and the lifetime rules both ask about the same bodies).
        private static readonly ConditionalWeakTable<SyntaxNode, ScopeNames> Names = new ConditionalWeakTable<SyntaxNode, ScopeNames>();
        private readonly Dictionary<(MmapConstants Constants, TargetOS Target), LocalValueAnalysis> _locals =
            new Dictionary<(MmapConstants, TargetOS), LocalValueAnalysis>();

        private bool _graphTried;
        private ControlFlowGraph? _graph;
        private LocalReferenceIndex? _index;

        public BodyFacts(SyntaxNode? body, Func<ControlFlowGraph?> createGraph)
        {
            Body = body;
            _createGraph = createGraph;
        }

        /// <summary>The syntax of the body's outermost operation: the calls that share it share these facts.</summary>
        public SyntaxNode? Body { get; }

        /// <summary>Which of the body's calls the target OS runs, as far as learned (see OsConditions.ExcludedOnTarget).</summary>
        public Reachability Reachability { get; } = new Reachability();

        /// <summary>The body's control flow graph, built on the first question that needs it.</summary>
        public ControlFlowGraph? Graph
        {
            get
            {
                if (!_graphTried)
                {
                    _graphTried = true;
                    _graph = _createGraph();
                }

                return _graph;
            }
        }

        /// <summary>Where each local reference of the body (and of its lambdas and local functions) sits in the graphs.</summary>
        public LocalReferenceIndex? References => _index ??= Graph is { } graph ? new LocalReferenceIndex(graph) : null;

        /// <summary>The local values as one binding's numbers and one target OS read them.</summary>
        public LocalValueAnalysis LocalsFor(EvaluationScope scope)
        {
            var key = (scope.Constants, scope.Target);
            if (!_locals.TryGetValue(key, out LocalValueAnalysis? analysis))
            {
                analysis = new LocalValueAnalysis(this, scope);
                _locals.Add(key, analysis);
            }

            return analysis;
        }

        /// <summary>
        /// Whether an identifier of this name appears in a write position anywhere in <paramref name="scope"/> (whatever
        /// it binds to: conservative). One walk per scope collects every written and every compared name.
        /// </summary>
        public bool IsWrittenIn(SyntaxNode scope, string name) => ScopeNames.Has(NamesIn(scope).Written, name);

        /// <summary>Whether an identifier of this name is compared (==, !=, &lt;, &lt;=, &gt;, &gt;=) anywhere in <paramref name="scope"/>.</summary>
        public bool IsComparedIn(SyntaxNode scope, string name) => ScopeNames.Has(NamesIn(scope).Compared, name);

        /// <summary>
        /// Whether a local of this name may change where its assignments cannot be followed statement by statement: its
        /// address or a reference to it is taken (<c>&amp;x</c>, <c>ref x</c>, <c>out x</c>, <c>in x</c>), or it is written
        /// in a lambda, a local function, a catch or a finally block anywhere in <paramref name="scope"/>.
        /// </summary>
        public bool IsAliasedIn(SyntaxNode scope, string name) => ScopeNames.Has(NamesIn(scope).Aliased, name);

        /// <summary>Whether a name is compared, matched by a pattern or switched on anywhere in <paramref name="scope"/> (a test the dataflow narrows on).</summary>
        public bool IsTestedIn(SyntaxNode scope, string name)
        {
            ScopeNames names = NamesIn(scope);
            return ScopeNames.Has(names.Compared, name) || ScopeNames.Has(names.Matched, name);
        }

        // Statements and expressions (the walk of a very large body asks about each statement it passes, ~5 per call)
        // are kept for this body only: in the shared table each became a dependent handle (and a ScopeNames) that lived
        // as long as the tree, 53,000 of them for a 10,000-call method.
        private Dictionary<SyntaxNode, ScopeNames>? _statementNames;

        private ScopeNames NamesIn(SyntaxNode scope)
        {
            if (IsSharedScope(scope))
            {
                return SharedNamesIn(scope);
            }

            _statementNames ??= new Dictionary<SyntaxNode, ScopeNames>();
            if (!_statementNames.TryGetValue(scope, out ScopeNames? names))
            {
                names = Collect(scope);
                _statementNames.Add(scope, names);
            }

            return names;
        }

        private static bool IsSharedScope(SyntaxNode scope) =>
            scope is MemberDeclarationSyntax or CompilationUnitSyntax or AccessorDeclarationSyntax or AnonymousFunctionExpressionSyntax
                or LocalFunctionStatementSyntax or CatchClauseSyntax or FinallyClauseSyntax or ArrowExpressionClauseSyntax;

        private static ScopeNames SharedNamesIn(SyntaxNode scope) => Names.GetOrCompute(scope, 0, (node, _) => Collect(node));

        private static ScopeNames Collect(SyntaxNode scope)
        {
            var names = new ScopeNames();
            foreach (SyntaxNode node in scope.DescendantNodes())
            {
                switch (node)
                {
                    case AssignmentExpressionSyntax assignment:
                        AddIdentifiers(assignment.Left, ref names.Written);
                        break;
                    case PrefixUnaryExpressionSyntax prefix when prefix.IsKind(SyntaxKind.AddressOfExpression):
                        AddIdentifiers(prefix.Operand, ref names.Written);
                        AddIdentifiers(prefix.Operand, ref names.Aliased);
                        break;
                    case PrefixUnaryExpressionSyntax prefix when prefix.IsKind(SyntaxKind.PreIncrementExpression) || prefix.IsKind(SyntaxKind.PreDecrementExpression):
                        AddIdentifiers(prefix.Operand, ref names.Written);
                        break;
                    case PostfixUnaryExpressionSyntax postfix when postfix.IsKind(SyntaxKind.PostIncrementExpression) || postfix.IsKind(SyntaxKind.PostDecrementExpression):
                        AddIdentifiers(postfix.Operand, ref names.Written);
                        break;
                    case ArgumentSyntax argument when Binding.CallNames.LetsCalleeWrite(argument):
                        AddIdentifiers(argument.Expression, ref names.Written);
                        AddIdentifiers(argument.Expression, ref names.Aliased);
                        break;
                    case RefExpressionSyntax reference:
                        AddIdentifiers(reference.Expression, ref names.Written);
                        AddIdentifiers(reference.Expression, ref names.Aliased);
                        break;
                    case AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax or CatchClauseSyntax or FinallyClauseSyntax when node != scope:
                        if (SharedNamesIn(node).Written is { } nested)
                        {
                            ScopeNames.Set(ref names.Aliased).UnionWith(nested);
                        }

                        break;
                    case BinaryExpressionSyntax binary when binary.Kind() is SyntaxKind.EqualsExpression or SyntaxKind.NotEqualsExpression
                        or SyntaxKind.LessThanExpression or SyntaxKind.LessThanOrEqualExpression or SyntaxKind.GreaterThanExpression or SyntaxKind.GreaterThanOrEqualExpression:
                        AddName(binary.Left, ref names.Compared);
                        AddName(binary.Right, ref names.Compared);
                        break;
                    case IsPatternExpressionSyntax pattern:
                        AddName(pattern.Expression, ref names.Matched);
                        break;
                    case SwitchStatementSyntax statement:
                        AddName(statement.Expression, ref names.Matched);
                        break;
                    case SwitchExpressionSyntax expression:
                        AddName(expression.GoverningExpression, ref names.Matched);
                        break;
                }
            }

            return names;
        }

        /// <summary>Every identifier inside a written expression counts as written (<c>a.b = x</c> writes through <c>a</c>).</summary>
        private static void AddIdentifiers(ExpressionSyntax written, ref HashSet<string>? names)
        {
            if (written is IdentifierNameSyntax simple)
            {
                ScopeNames.Set(ref names).Add(simple.Identifier.ValueText);
                return;
            }

            foreach (SyntaxNode node in written.DescendantNodes())
            {
                if (node is IdentifierNameSyntax identifier)
                {
                    ScopeNames.Set(ref names).Add(identifier.Identifier.ValueText);
                }
            }
        }

        private static void AddName(ExpressionSyntax operand, ref HashSet<string>? names)
        {
            while (operand is ParenthesizedExpressionSyntax or CastExpressionSyntax)
            {
                operand = operand is ParenthesizedExpressionSyntax parenthesized ? parenthesized.Expression : ((CastExpressionSyntax)operand).Expression;
            }

            if (operand is IdentifierNameSyntax identifier)
            {
                ScopeNames.Set(ref names).Add(identifier.Identifier.ValueText);
            }
        }

        /// <summary>The names of one scope; a set is made only when a name goes in (most statements write one name and test none).</summary>
        private sealed class ScopeNames
        {
            public HashSet<string>? Written;

            public HashSet<string>? Compared;

            public HashSet<string>? Aliased;

            public HashSet<string>? Matched;

            public static bool Has(HashSet<string>? names, string name) => names is not null && names.Contains(name);

            public static HashSet<string> Set(ref HashSet<string>? names) => names ??= new HashSet<string>(StringComparer.Ordinal);
        }
    }
}
