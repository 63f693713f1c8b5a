using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace CheckedMmap.Analyzers.Values
{
    /// <summary>
    /// A wrapper's parameters as one call site binds them: reading an expression of the wrapper's body
    /// (<c>MmapFlagsToSystemFlags(flags)</c>) with <c>flags</c> = what this call passes. A local of the wrapper holds what
    /// its initializer computes when that is its only write; any other local is unknown.
    /// </summary>
    internal sealed class WrapperCallSite : ILocalValueSource
    {
        private readonly IOperation _call;
        private readonly IMethodSymbol _wrapper;
        private readonly ImmutableArray<IArgumentOperation> _arguments;
        private readonly ValueEvaluator _callerValues;

        /// <param name="call">The call of the wrapper method, or the creation that runs the wrapper constructor.</param>
        /// <param name="wrapper">The method or constructor called.</param>
        /// <param name="arguments">The call's arguments.</param>
        /// <param name="callerValues">Evaluates the arguments where the call is.</param>
        public WrapperCallSite(IOperation call, IMethodSymbol wrapper, ImmutableArray<IArgumentOperation> arguments, ValueEvaluator callerValues)
        {
            _call = call;
            _wrapper = wrapper;
            _arguments = arguments;
            _callerValues = callerValues;
        }

        public ValueSet ValueOf(IParameterReferenceOperation reference) =>
            ArgumentFor(reference.Parameter) is { } argument && Binding.WrapperLocals.HoldsCallersValue(reference.Parameter, reference)
                ? _callerValues.Evaluate(argument.Value)
                : ValueSet.Unknown;

        /// <summary>The evaluator of the wrapper's expressions that reads through this call site (set once it exists).</summary>
        public ValueEvaluator? InWrapper { get; set; }

        // The wrapper's locals evaluated so far (the first _evaluatedLocals in declaration order); true while evaluating them.
        private int _evaluatedLocals;
        private bool _evaluating;

        private readonly Dictionary<ILocalSymbol, ValueSet> _locals = new Dictionary<ILocalSymbol, ValueSet>(SymbolEqualityComparer.Default);

        /// <summary>A local of the wrapper whose only write is its initializer holds what that computes from this call's values; any other is unknown.</summary>
        public ValueSet ValueOf(ILocalReferenceOperation reference)
        {
            if (InWrapper is null || reference.Local.RefKind != RefKind.None)
            {
                return ValueSet.Unknown;
            }

            if (_locals.TryGetValue(reference.Local, out ValueSet? known))
            {
                return known;
            }

            Binding.WrapperLocals.BodyLocals body = Binding.WrapperLocals.LocalsOf(reference);
            if (!body.Index.TryGetValue(reference.Local, out int index) || body.Ordered[index].Initializer is null || _evaluating)
            {
                // Not a local with one initializer, or (never in C#) one read by an initializer declared before it.
                return ValueSet.Unknown;
            }

            // Every local up to this one, in declaration order, once per call site: an initializer reads only earlier
            // locals, which are known by then, so no chain of them costs recursion or repeats.
            _evaluating = true;
            try
            {
                for (int k = _evaluatedLocals; k <= index; k++)
                {
                    (ILocalSymbol local, IOperation? initializer) = body.Ordered[k];
                    _locals[local] = initializer is null ? ValueSet.Unknown : InWrapper.Evaluate(initializer);
                }

                _evaluatedLocals = System.Math.Max(_evaluatedLocals, index + 1);
            }
            finally
            {
                _evaluating = false;
            }

            return _locals[reference.Local];
        }

        public ValueSet ValueOf(IFlowCaptureReferenceOperation capture) => ValueSet.Unknown;

        /// <summary>
        /// The evaluator of the wrapper's expressions as the call binds the wrapper's parameters (<paramref name="site"/>
        /// keeps the wrapper's locals, each computed once for the call).
        /// </summary>
        public static ValueEvaluator Enter(IOperation call, IMethodSymbol wrapper, ImmutableArray<IArgumentOperation> arguments, ValueEvaluator callerValues, EvaluationScope scope, out WrapperCallSite site)
        {
            site = new WrapperCallSite(call, wrapper, arguments, callerValues);
            var inWrapper = new ValueEvaluator(scope, site);
            site.InWrapper = inWrapper;
            return inWrapper;
        }

        /// <summary>Where to report on a computed argument: the call's argument when one parameter feeds it, else the call.</summary>
        public Location LocationOf(IOperation computed) =>
            LocationOf(Binding.WrapperLocals.ParametersRead(computed).Where(p => ArgumentFor(p.Parameter) is not null).Select(p => p.Parameter.Ordinal));

        /// <summary>Where to report a value computed from the wrapper's parameters <paramref name="ordinals"/>: the call's argument when one feeds it, else the call.</summary>
        public Location LocationOf(IEnumerable<int> ordinals)
        {
            IArgumentOperation[] sources = ordinals
                .Select(ordinal => Binding.MmapWrapperResolver.ArgumentFor(_arguments, ordinal))
                .Where(a => a is not null)
                .Distinct()
                .ToArray()!;
            return sources.Length == 1 ? ArgumentLocations.Of(sources[0], _call) : _call.Syntax.GetLocation();
        }

        private IArgumentOperation? ArgumentFor(IParameterSymbol parameter) =>
            Binding.WrapperLocals.IsPassedByValue(parameter) && SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, _wrapper.OriginalDefinition)
                ? Binding.MmapWrapperResolver.ArgumentFor(_arguments, parameter.Ordinal)
                : null;
    }
}
