using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;

namespace CheckedMmap.Analyzers.Values
{
    /// <summary>
    /// The values a local can hold at one reference: a forward reaching-definitions dataflow over the control flow
    /// graph of the enclosing body (or lambda / local function), with value SETS as the lattice (bounded by
    /// <see cref="ValueSet.MaxCount"/>, Unknown on top). Handles compound assignments and <c>|=</c> chains across
    /// branches and loops. A local whose address is taken, that is passed by ref/out, aliased by a ref local,
    /// deconstructed into, declared by a pattern, written in a nested function or in a catch/finally region is Unknown.
    /// Built lazily, only when an mmap argument reads a local.
    /// </summary>
    internal sealed partial class LocalValueAnalysis : ILocalValueSource
    {
        private readonly BodyFacts _body;
        private readonly EvaluationScope _scope;
        private readonly Dictionary<ControlFlowGraph, GraphFlow> _flows = new Dictionary<ControlFlowGraph, GraphFlow>();
        private readonly Dictionary<ILocalSymbol, ValueSet> _singleDefinitions = new Dictionary<ILocalSymbol, ValueSet>(SymbolEqualityComparer.Default);

        public LocalValueAnalysis(BodyFacts body, EvaluationScope scope)
        {
            _body = body;
            _scope = scope;
        }

        public ValueSet ValueOf(ILocalReferenceOperation reference)
        {
            ILocalSymbol local = reference.Local;
            if (local.RefKind != RefKind.None || local.IsConst || reference.Syntax is null)
            {
                return ValueSet.Unknown;
            }

            if (TrySingleDefinition(reference, out ValueSet single))
            {
                return single;
            }

            return IsLargeBody ? ValueFromStatements(reference) : ValueFromFlow(reference.Syntax, local);
        }

        private int _singleDefinitionDepth;

        /// <summary>
        /// The common case without a control flow graph: a local declared with an initializer (or deconstructed from a
        /// tuple literal in its declaration) and never written again
        /// anywhere in its member (no assignment, ++/--, ref/out argument, ref or address taken, also not in lambdas
        /// and local functions) holds its initializer's value wherever it is read. Anything else goes to the dataflow.
        /// The value is kept per local: every later read of it costs a lookup.
        /// </summary>
        private bool TrySingleDefinition(ILocalReferenceOperation reference, out ValueSet value)
        {
            ILocalSymbol local = reference.Local;
            if (_singleDefinitions.TryGetValue(local, out ValueSet? known))
            {
                value = known;
                return true;
            }

            value = ValueSet.Unknown;
            if (_singleDefinitionDepth > 8 || local.DeclaringSyntaxReferences.Length != 1 || reference.SemanticModel is null
                || InitialValue(local.DeclaringSyntaxReferences[0].GetSyntax()) is not { } initializer
                || initializer.SyntaxTree != reference.Syntax.SyntaxTree)
            {
                return false;
            }

            SyntaxNode? scope = initializer.FirstAncestorOrSelf<MemberDeclarationSyntax>();
            if (scope is GlobalStatementSyntax)
            {
                scope = scope.Parent; // top-level statements share their locals across statements
            }

            // A compared local goes to the dataflow, which keeps only the values that pass the comparison on each path.
            if (scope is null || _body.IsWrittenIn(scope, local.Name) || _body.IsComparedIn(scope, local.Name))
            {
                return false;
            }

            IOperation? operation = reference.SemanticModel.GetOperation(initializer);
            if (operation is null)
            {
                return false;
            }

            // The initializer as the local receives it: `int? flags = null` is a null int? (no number), not a null pointer.
            if (operation.Parent is IConversionOperation { IsImplicit: true } received && received.Operand == operation)
            {
                operation = received;
            }

            _singleDefinitionDepth++;
            try
            {
                ValueSet initial = new ValueEvaluator(_scope, this).Evaluate(operation);
                value = IntegerConversions.IsTrackable(local.Type) ? initial.Convert(v => IntegerConversions.ConvertTo(v, local.Type) ?? v) : initial;
                _singleDefinitions[local] = value;
                return true;
            }
            finally
            {
                _singleDefinitionDepth--;
            }
        }

        /// <summary>
        /// The expression a local declaration statement gives the local: its initializer (<c>int flags = …;</c>), or its
        /// element of a tuple literal it is deconstructed from (<c>var (prot, flags) = (…, …);</c>,
        /// <c>(int prot, int flags) = (…, …);</c>, one level deep). Null for any other declaration.
        /// </summary>
        private static ExpressionSyntax? InitialValue(SyntaxNode declaration)
        {
            if (declaration is VariableDeclaratorSyntax { Initializer.Value: { } initializer } declarator)
            {
                return declarator.Parent?.Parent is LocalDeclarationStatementSyntax ? initializer : null;
            }

            if (declaration is not SingleVariableDesignationSyntax designation)
            {
                return null;
            }

            // var (a, b) = (x, y);
            if (designation.Parent is ParenthesizedVariableDesignationSyntax { Parent: DeclarationExpressionSyntax { Parent: AssignmentExpressionSyntax outer } } names
                && outer.Left == names.Parent)
            {
                return Element(outer, names.Variables.IndexOf(designation));
            }

            // (int a, int b) = (x, y);
            if (designation.Parent is DeclarationExpressionSyntax { Parent: ArgumentSyntax { Parent: TupleExpressionSyntax { Parent: AssignmentExpressionSyntax assignment } targets } argument }
                && assignment.Left == targets)
            {
                return Element(assignment, targets.Arguments.IndexOf(argument));
            }

            return null;

            static ExpressionSyntax? Element(AssignmentExpressionSyntax assignment, int index) =>
                assignment.Parent is ExpressionStatementSyntax && assignment.Right is TupleExpressionSyntax values
                    && index >= 0 && index < values.Arguments.Count && values.Arguments[index].NameColon is null
                    ? values.Arguments[index].Expression
                    : null;
        }

        /// <summary>
        /// A by-value parameter is whatever the caller passed, unless the body compares it (<c>if (fd &lt; 0) return;</c>)
        /// or writes it: then the dataflow follows it from an unknown start.
        /// </summary>
        public ValueSet ValueOf(IParameterReferenceOperation reference)
        {
            IParameterSymbol parameter = reference.Parameter;
            if (parameter.RefKind != RefKind.None || reference.Syntax is null || _body.Body is not { } body
                || !(_body.IsComparedIn(body, parameter.Name) || _body.IsWrittenIn(body, parameter.Name)) || IsLargeBody)
            {
                return ValueSet.Unknown; // in a very large body, a tested or written parameter is not followed (no graph)
            }

            return ValueFromFlow(reference.Syntax, parameter);
        }

        private ValueSet ValueFromFlow(SyntaxNode syntax, ISymbol variable)
        {
            LocalReferenceIndex? index = _body.References;
            if (index is null || !index.TryLocate(syntax, variable, out FlowLocation location))
            {
                return ValueSet.Unknown;
            }

            if (!_flows.TryGetValue(location.Graph, out GraphFlow? flow))
            {
                flow = new GraphFlow(location.Graph, _scope);
                _flows.Add(location.Graph, flow);
            }

            return flow.ValueAt(location.BlockOrdinal, location.OperationIndex, syntax.SpanStart, variable);
        }

        /// <summary>What a method body returns when its parameters hold these values (a helper evaluated for one call).</summary>
        /// <remarks>With one value per parameter the body is run on its one path (see GraphFlow.TryRun), else, or when
        /// the run cannot follow it, the dataflow joins every path it may take.</remarks>
        internal static ValueSet Returned(ControlFlowGraph body, EvaluationScope scope, IReadOnlyDictionary<IParameterSymbol, ValueSet> parameters)
        {
            var flow = new GraphFlow(body, scope, parameters, solve: false);
            return parameters.Values.All(v => v.IsKnown && v.Values.Count == 1) && flow.TryRun(out ValueSet ran) ? ran : flow.ReturnedValues();
        }

        // At the call site, captures belong to the original tree: there are none.
        public ValueSet ValueOf(IFlowCaptureReferenceOperation capture) => ValueSet.Unknown;

        private static IEnumerable<IOperation> Walk(IOperation root) => OperationWalk.WithoutNestedFunctions(root);
    }
}
