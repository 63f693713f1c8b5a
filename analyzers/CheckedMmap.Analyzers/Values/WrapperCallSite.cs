using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace CheckedMmap.Analyzers.Values
{
    /// <summary>
    /// A wrapper's parameters as one call site binds them: reading an expression of the wrapper's body
    /// (<c>MmapFlagsToSystemFlags(flags)</c>) with <c>flags</c> = what this call passes. The wrapper's locals stay unknown.
    /// </summary>
    internal sealed class WrapperCallSite : ILocalValueSource
    {
        private readonly IInvocationOperation _call;
        private readonly ValueEvaluator _callerValues;

        public WrapperCallSite(IInvocationOperation call, ValueEvaluator callerValues)
        {
            _call = call;
            _callerValues = callerValues;
        }

        public ValueSet ValueOf(IParameterReferenceOperation reference) =>
            ArgumentFor(reference.Parameter) is { } argument ? _callerValues.Evaluate(argument.Value) : ValueSet.Unknown;

        public ValueSet ValueOf(ILocalReferenceOperation reference) => ValueSet.Unknown;

        public ValueSet ValueOf(IFlowCaptureReferenceOperation capture) => ValueSet.Unknown;

        /// <summary>Where to report on a computed argument: the call's argument when one parameter feeds it, else the call.</summary>
        public Location LocationOf(IOperation computed)
        {
            IArgumentOperation[] sources = computed.DescendantsAndSelf()
                .OfType<IParameterReferenceOperation>()
                .Select(p => ArgumentFor(p.Parameter))
                .Where(a => a is not null)
                .Distinct()
                .ToArray()!;
            return sources.Length == 1 ? ArgumentLocations.Of(sources[0], _call) : _call.Syntax.GetLocation();
        }

        private IArgumentOperation? ArgumentFor(IParameterSymbol parameter)
        {
            if (parameter.RefKind != RefKind.None || !SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, _call.TargetMethod.OriginalDefinition))
            {
                return null;
            }

            return _call.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == parameter.Ordinal && a.ArgumentKind != ArgumentKind.ParamArray);
        }
    }
}
