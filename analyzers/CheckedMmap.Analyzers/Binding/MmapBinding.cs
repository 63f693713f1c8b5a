using CheckedMmap.Contract;

namespace CheckedMmap.Analyzers.Binding
{
    /// <summary>A method recognised as mmap, with the library it goes through.</summary>
    internal sealed class MmapBinding
    {
        public MmapBinding(MmapBindingKind kind)
        {
            Kind = kind;
        }

        public MmapBindingKind Kind { get; }

        /// <summary>
        /// The numbers this binding's arguments are written in: Mono.Posix and Tmds.LibC carry Linux numbers whatever
        /// the OS; a plain P/Invoke and our runtime use the target OS's numbers.
        /// </summary>
        public MmapConstants ConstantsFor(TargetOS target) =>
            Kind == MmapBindingKind.MonoPosix || Kind == MmapBindingKind.TmdsLibC ? MmapConstants.Linux : MmapConstants.For(target);
    }
}
