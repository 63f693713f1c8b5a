using System.Collections.Concurrent;
using System.Linq;
using System.Collections.Immutable;
using CheckedMmap.Analyzers.Values;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace CheckedMmap.Analyzers.Binding
{
    /// <summary>
    /// One level of wrappers: a source method (Ryujinx's <c>Mmap</c>, RavenDB's <c>mmap64</c>) whose body calls an mmap
    /// binding and passes some of its own parameters straight through as mmap's arguments (or computes them from its
    /// parameters). Its call sites are judged on those arguments. A method that calls mmap with none of its parameters
    /// is a wrapper that passes nothing (<see cref="MmapWrapper.PassesArguments"/>): only its result matters, to the
    /// lifetime rules. Only methods whose calls <see cref="CandidateNames"/> lets through are looked at, once each.
    /// </summary>
    internal sealed class MmapWrapperResolver
    {
        private readonly MmapCallResolver _bindings;
        private readonly SemanticModelProvider _models;
        private readonly ConcurrentDictionary<IMethodSymbol, MmapWrapper?> _cache =
            new ConcurrentDictionary<IMethodSymbol, MmapWrapper?>(SymbolEqualityComparer.Default);

        private readonly CandidateNames _names;

        public MmapWrapperResolver(MmapCallResolver bindings, SemanticModelProvider models, CandidateNames names)
        {
            _bindings = bindings;
            _names = names;
            _models = models;
        }

        public MmapWrapper? Resolve(IMethodSymbol? method, SemanticModel current)
        {
            if (method is null || method.IsExtern || method.IsAbstract || method.DeclaringSyntaxReferences.Length != 1)
            {
                return null;
            }

            return _cache.GetOrCompute(method.OriginalDefinition, (Resolver: this, Current: current), static (m, s) => s.Resolver.Compute(m, s.Current));
        }

        private MmapWrapper? Compute(IMethodSymbol wrapper, SemanticModel current)
        {
            SyntaxReference reference = wrapper.DeclaringSyntaxReferences[0];
            SyntaxNode declaration = reference.GetSyntax();
            SemanticModel? model = _models.Get(reference.SyntaxTree, current);
            if (model is null)
            {
                return null;
            }

            MmapWrapper? first = null;
            foreach (InvocationExpressionSyntax call in declaration.DescendantNodes().OfType<InvocationExpressionSyntax>())
            {
                if (declaration is TypeDeclarationSyntax type && CallNames.ConstructorRunning(call)?.Parameters != type.ParameterList)
                {
                    continue; // a primary constructor runs its type's instance initializers, not its methods
                }

                string? name = CallNames.InvokedName(call.Expression);
                if (name is null || !_names.MayBeBinding(name)
                    || model.GetOperation(call) is not IInvocationOperation invocation
                    || _bindings.Resolve(invocation.TargetMethod) is not { } binding)
                {
                    continue;
                }

                var passed = ImmutableDictionary.CreateBuilder<MmapParameter, int>();
                var computed = ImmutableDictionary.CreateBuilder<MmapParameter, IOperation>();
                foreach (IArgumentOperation argument in invocation.Arguments)
                {
                    if (argument.Parameter is not { } parameter || parameter.Ordinal <= (int)MmapParameter.Address || parameter.Ordinal > (int)MmapParameter.Offset)
                    {
                        continue;
                    }

                    IOperation value = WrapperLocals.ValueOf(argument.Value, model, declaration);
                    if (PassedStraightThrough(value, wrapper) is { } own)
                    {
                        passed[(MmapParameter)parameter.Ordinal] = own.Ordinal;
                    }
                    else if (ReadsOwnParameter(value, wrapper))
                    {
                        // MmapFlagsToSystemFlags(flags), flags | MAP_ANONYMOUS: evaluated at each call site with its values.
                        computed[(MmapParameter)parameter.Ordinal] = value;
                    }
                }

                if (passed.Count > 0 || computed.Count > 0)
                {
                    return new MmapWrapper(binding, passed.ToImmutable(), computed.ToImmutable(), ConstantArguments(invocation));
                }

                // MapPage() => mmap(…, 4096, …): no argument of its callers reaches mmap, but what it returns may be mmap's result.
                first ??= new MmapWrapper(binding, ImmutableDictionary<MmapParameter, int>.Empty, ImmutableDictionary<MmapParameter, IOperation>.Empty, ConstantArguments(invocation));
            }

            return first;
        }

        /// <summary>The wrapper's own by-value parameter that <paramref name="value"/> (an argument of the binding call in
        /// its body) is, conversions aside; null when the argument is anything else.</summary>
        public static IParameterSymbol? PassedStraightThrough(IOperation value, IMethodSymbol wrapper) =>
            WrapperLocals.Unconverted(value) is IParameterReferenceOperation { Parameter: { IsParams: false } parameter }
                && WrapperLocals.IsPassedByValue(parameter) && SymbolEqualityComparer.Default.Equals(parameter.ContainingSymbol, wrapper)
                ? parameter
                : null;

        /// <summary>The arguments of the wrapper's mmap call that are compile-time numbers, by mmap parameter.</summary>
        private static ImmutableDictionary<MmapParameter, long> ConstantArguments(IInvocationOperation call)
        {
            ImmutableDictionary<MmapParameter, long>.Builder? constants = null;
            foreach (IArgumentOperation argument in call.Arguments)
            {
                if (argument.Parameter is { Ordinal: > (int)MmapParameter.Address and <= (int)MmapParameter.Offset } parameter
                    && argument.Value.ConstantValue is { HasValue: true, Value: { } value }
                    && IntegerConversions.FromConstant(value) is { } number)
                {
                    (constants ??= ImmutableDictionary.CreateBuilder<MmapParameter, long>())[(MmapParameter)parameter.Ordinal] = number;
                }
            }

            return constants?.ToImmutable() ?? ImmutableDictionary<MmapParameter, long>.Empty;
        }

        /// <summary>Whether the expression reads a by-value parameter of the wrapper, directly or through locals whose only write is their initializer.</summary>
        private static bool ReadsOwnParameter(IOperation value, IMethodSymbol wrapper) =>
            WrapperLocals.ParametersRead(value).Any(read => WrapperLocals.IsPassedByValue(read.Parameter) && SymbolEqualityComparer.Default.Equals(read.Parameter.ContainingSymbol, wrapper));
    }
}
