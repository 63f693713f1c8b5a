using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Binding
{
    /// <summary>A method recognised as mmap, with the library it goes through.</summary>
    internal sealed class MmapBinding
    {
        public MmapBinding(IMethodSymbol method, MmapBindingKind kind, string entryPoint)
        {
            Method = method;
            Kind = kind;
            EntryPoint = entryPoint;
        }

        public IMethodSymbol Method { get; }

        public MmapBindingKind Kind { get; }

        /// <summary>"mmap" or "mmap64" (for the Mono binding, "mmap").</summary>
        public string EntryPoint { get; }

        /// <summary>
        /// The numbers this binding's arguments are written in: Mono.Posix and Tmds.LibC carry Linux numbers whatever
        /// the OS; a plain P/Invoke and our runtime use the target OS's numbers.
        /// </summary>
        public MmapConstants ConstantsFor(TargetOS target) =>
            Kind == MmapBindingKind.MonoPosix || Kind == MmapBindingKind.TmdsLibC ? MmapConstants.Linux : MmapConstants.For(target);
    }
}
