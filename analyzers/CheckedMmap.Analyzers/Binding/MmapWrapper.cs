using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace CheckedMmap.Analyzers.Binding
{
    /// <summary>A wrapper and which of its parameters become which mmap argument.</summary>
    internal sealed class MmapWrapper
    {
        public MmapWrapper(MmapBinding inner, ImmutableDictionary<MmapParameter, int> passedThrough, ImmutableDictionary<MmapParameter, IOperation> computed, ImmutableDictionary<MmapParameter, long> constants,
            ImmutableArray<WrapperGuard> guards = default)
            : this(inner, passedThrough, computed, constants, ImmutableDictionary<MmapParameter, WrapperHop>.Empty, nesting: 1, guards)
        {
        }

        public MmapWrapper(MmapBinding inner, ImmutableDictionary<MmapParameter, int> passedThrough, ImmutableDictionary<MmapParameter, IOperation> computed, ImmutableDictionary<MmapParameter, long> constants, ImmutableDictionary<MmapParameter, WrapperHop> through, int nesting,
            ImmutableArray<WrapperGuard> guards = default, WrapperHop? via = null)
        {
            Guards = guards.IsDefault ? ImmutableArray<WrapperGuard>.Empty : guards;
            Via = via;
            Inner = inner;
            PassedThrough = passedThrough;
            Computed = computed;
            Constants = constants;
            Through = through;
            Nesting = nesting;
        }

        /// <summary>The mmap binding the wrapper reaches, itself or through the wrappers it calls.</summary>
        public MmapBinding Inner { get; }

        /// <summary>mmap parameter → ordinal of the wrapper parameter passed straight to it (through every wrapper between).</summary>
        public ImmutableDictionary<MmapParameter, int> PassedThrough { get; }

        /// <summary>
        /// mmap parameter → the wrapper's argument expression that computes it from the wrapper's parameters
        /// (<c>MmapFlagsToSystemFlags(flags)</c>), evaluated at each call site with that call's argument values.
        /// </summary>
        public ImmutableDictionary<MmapParameter, IOperation> Computed { get; }

        /// <summary>
        /// mmap parameter → the constant the wrapper's own mmap call passes, whatever its caller does (<c>MapPage() =&gt;
        /// mmap(…, 4096, …, MAP_PRIVATE | MAP_ANONYMOUS, …)</c>). The wrapper's own call is judged on them; its call sites
        /// read them as context.
        /// </summary>
        public ImmutableDictionary<MmapParameter, long> Constants { get; }

        /// <summary>
        /// mmap parameter → the call of another wrapper in this wrapper's body that computes it from this wrapper's
        /// parameters (<c>Reserve(size) =&gt; Mmap(…, size, …, ToFlags(kind), …)</c>): evaluated at each call site by
        /// binding this wrapper's parameters, then the inner wrapper's, to the values each call passes.
        /// </summary>
        public ImmutableDictionary<MmapParameter, WrapperHop> Through { get; }

        /// <summary>
        /// The conditions on the way to the wrapper's one mmap call (or the call of the wrapper it goes through) that read
        /// its parameters: <c>if ((flags &amp; MAP_FIXED) != 0) throw …;</c> before it, an <c>if</c>, <c>?:</c> or <c>&amp;&amp;</c> around
        /// it. A call site for which one has the other value never reaches mmap.
        /// </summary>
        public ImmutableArray<WrapperGuard> Guards { get; }

        /// <summary>For a wrapper of a wrapper, the call of the inner one (whose own guards apply with what this call passes).</summary>
        public WrapperHop? Via { get; }

        /// <summary>How many wrappers deep the wrapper reaches mmap: 1 when it calls mmap itself, one more per wrapper between.</summary>
        public int Nesting { get; }

        /// <summary>Whether the wrapper reaches mmap through another wrapper (the lifetime rules follow one level only).</summary>
        public bool CallsWrapper => Nesting > 1;

        /// <summary>The length the wrapper maps whatever its arguments, when its mmap call passes a constant.</summary>
        public long? ConstantLength => Constants.TryGetValue(MmapParameter.Length, out long length) && length >= 0 ? length : null;

        /// <summary>Whether any argument of a call of the wrapper reaches mmap (its call sites have something to judge).</summary>
        public bool PassesArguments => !PassedThrough.IsEmpty || !Computed.IsEmpty || !Through.IsEmpty;
    }

    /// <summary>A condition that must have one value for the wrapper to reach its mmap call.</summary>
    internal sealed class WrapperGuard
    {
        public WrapperGuard(IOperation condition, bool reachedWhen)
        {
            Condition = condition;
            ReachedWhen = reachedWhen;
        }

        public IOperation Condition { get; }

        /// <summary>The value the condition has on the way to the call (false for a guard that leaves when it is true).</summary>
        public bool ReachedWhen { get; }
    }

    /// <summary>A call of an inner wrapper in a wrapper's body, through which one of mmap's arguments is computed.</summary>
    internal sealed class WrapperHop
    {
        public WrapperHop(IInvocationOperation call, MmapWrapper wrapper, ImmutableArray<int> sources)
        {
            Call = call;
            Wrapper = wrapper;
            Sources = sources;
        }

        /// <summary>The inner wrapper's call in the outer wrapper's body.</summary>
        public IInvocationOperation Call { get; }

        /// <summary>How the inner wrapper hands its parameters on.</summary>
        public MmapWrapper Wrapper { get; }

        /// <summary>The ordinals of the outer wrapper's parameters the argument is computed from (where to report it).</summary>
        public ImmutableArray<int> Sources { get; }
    }
}
