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
            ArgumentFor(reference.Parameter) is { } argument ? _callerValues.Evaluate(argument.Value) : ValueSet.Unknown;

        /// <summary>The evaluator of the wrapper's expressions that reads through this call site (set once it exists).</summary>
        public ValueEvaluator? InWrapper { get; set; }

        // How many locals deep the current read is: a chain of initializers is followed this far.
        private int _localDepth;

        /// <summary>A local of the wrapper whose only write is its initializer holds what that computes from this call's values; any other is unknown.</summary>
        public ValueSet ValueOf(ILocalReferenceOperation reference)
        {
            if (InWrapper is null || _localDepth >= Binding.WrapperLocals.MaxChain || Binding.WrapperLocals.InitializerOf(reference.Local, reference) is not { } initializer)
            {
                return ValueSet.Unknown;
            }

            _localDepth++;
            try
            {
                return InWrapper.Evaluate(initializer);
            }
            finally
            {
                _localDepth--;
            }
        }

        public ValueSet ValueOf(IFlowCaptureReferenceOperation capture) => ValueSet.Unknown;

        /// <summary>Where to report on a computed argument: the call's argument when one parameter feeds it, else the call.</summary>
        public Location LocationOf(IOperation computed)
        {
            IArgumentOperation[] sources = ParametersRead(computed, 0)
                .Select(p => ArgumentFor(p.Parameter))
                .Where(a => a is not null)
                .Distinct()
                .ToArray()!;
            return sources.Length == 1 ? ArgumentLocations.Of(sources[0], _call) : _call.Syntax.GetLocation();
        }

        // The parameters an expression reads, directly or through the locals it reads (as ValueOf follows them).
        private static IEnumerable<IParameterReferenceOperation> ParametersRead(IOperation expression, int depth)
        {
            foreach (IOperation operation in expression.DescendantsAndSelf())
            {
                if (operation is IParameterReferenceOperation parameter)
                {
                    yield return parameter;
                }
                else if (operation is ILocalReferenceOperation local && depth < Binding.WrapperLocals.MaxChain
                    && Binding.WrapperLocals.InitializerOf(local.Local, local) is { } initializer)
                {
                    foreach (IParameterReferenceOperation read in ParametersRead(initializer, depth + 1))
                    {
                        yield return read;
                    }
                }
            }
        }

        private IArgumentOperation? ArgumentFor(IParameterSymbol parameter)
        {
            if (parameter.RefKind != RefKind.None || !SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, _wrapper.OriginalDefinition))
            {
                return null;
            }

            return _arguments.FirstOrDefault(a => a.Parameter?.Ordinal == parameter.Ordinal && a.ArgumentKind != ArgumentKind.ParamArray);
        }
    }
}
