using CheckedMmap.Analyzers.Binding;
using CheckedMmap.Analyzers.Values;
using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Rules
{
    /// <summary>One argument of an mmap call: where it is and what it can be.</summary>
    internal sealed class MmapArgument
    {
        public MmapArgument(ValueSet values, Location location)
        {
            Values = values;
            Location = location;
        }

        public ValueSet Values { get; }

        public Location Location { get; }
    }

    /// <summary>Everything the rules need about one mmap call; arguments are matched by parameter, never by position.</summary>
    internal sealed class MmapCallFacts
    {
        private readonly MmapArgument?[] _arguments = new MmapArgument?[6];

        public MmapCallFacts(MmapConstants constants)
        {
            Constants = constants;
        }

        /// <summary>The numbers of this call: the target OS's for a plain P/Invoke, Linux's for Mono.Posix and Tmds.LibC.</summary>
        public MmapConstants Constants { get; }

        public MmapArgument? Length => _arguments[(int)MmapParameter.Length];

        public MmapArgument? Protection => _arguments[(int)MmapParameter.Protection];

        public MmapArgument? Flags => _arguments[(int)MmapParameter.Flags];

        public MmapArgument? FileDescriptor => _arguments[(int)MmapParameter.FileDescriptor];

        public MmapArgument? Offset => _arguments[(int)MmapParameter.Offset];

        public void Set(MmapParameter parameter, MmapArgument argument) => _arguments[(int)parameter] = argument;

        /// <summary>
        /// At a call of a wrapper: the flags the wrapper passes mmap itself (a constant in its body), context for rules
        /// on the arguments the call does pass (fd 0 with MAP_ANONYMOUS). Never reported here: the wrapper's own mmap call is.
        /// </summary>
        public ValueSet? FlagsInWrapper { get; set; }

        /// <summary>The flags' values, from the call or, failing that, from inside the wrapper it calls.</summary>
        public ValueSet? FlagValues => Flags?.Values ?? FlagsInWrapper;

        /// <summary>The flags argument's values as the native int, when known.</summary>
        public static int AsInt(long value) => unchecked((int)value);
    }
}
