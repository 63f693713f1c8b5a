using CheckedMmap.Contract;

namespace CheckedMmap.Analyzers.Binding
{
    /// <summary>A method recognised as mmap, with the library it goes through.</summary>
    internal sealed class MmapBinding
    {
        public MmapBinding(MmapBindingKind kind, string entryPoint)
        {
            Kind = kind;
            EntryPoint = entryPoint;
        }

        public MmapBindingKind Kind { get; }

        /// <summary>"mmap" or "mmap64" (for the Mono binding and our runtime, "mmap"): the name declaration checks quote.</summary>
        public string EntryPoint { get; }

        /// <summary>
        /// The numbers this binding's arguments are written in: Mono.Posix and Tmds.LibC carry Linux numbers whatever
        /// the OS; a plain P/Invoke and our runtime use the target OS's numbers.
        /// </summary>
        public MmapConstants ConstantsFor(TargetOS target) =>
            Kind == MmapBindingKind.MonoPosix || Kind == MmapBindingKind.TmdsLibC ? MmapConstants.Linux : MmapConstants.For(target);
    }
}
