using System;
using Microsoft.CodeAnalysis;

namespace CheckedMmap.Analyzers.Binding
{
    /// <summary>
    /// Which binding libraries a compilation references (Mono.Posix or Mono.Unix, Tmds.LibC, CheckedMmap), read from the references'
    /// file names and project references' assembly names. Asking the compilation for its referenced assembly names instead
    /// binds every reference to an assembly symbol: several milliseconds, charged to whichever analyzer asks first, in
    /// projects that never call mmap.
    /// </summary>
    internal readonly struct BindingLibraries
    {
        private BindingLibraries(bool monoPosix, bool tmdsLibC, bool checkedMmap)
        {
            MonoPosix = monoPosix;
            TmdsLibC = tmdsLibC;
            CheckedMmap = checkedMmap;
        }

        public bool MonoPosix { get; }

        public bool TmdsLibC { get; }

        public bool CheckedMmap { get; }

        public bool Any => MonoPosix || TmdsLibC || CheckedMmap;

        public static BindingLibraries Of(Compilation compilation)
        {
            bool mono = false, tmds = false, mman = false;
            foreach (MetadataReference reference in compilation.ExternalReferences)
            {
                string? name = reference switch
                {
                    PortableExecutableReference image => FileName(image.FilePath ?? image.Display),
                    CompilationReference project => project.Compilation.AssemblyName,
                    _ => null,
                };
                if (name is null)
                {
                    continue;
                }

                // Mono.Posix.NETStandard (Mono.Posix.NETStandard.dll) and its successor, the Mono.Unix package (Mono.Unix.dll),
                // declare the same Mono.Unix.Native.Syscall.
                mono |= name.StartsWith("Mono.Posix", StringComparison.OrdinalIgnoreCase) || string.Equals(name, "Mono.Unix", StringComparison.OrdinalIgnoreCase);
                tmds |= string.Equals(name, "Tmds.LibC", StringComparison.OrdinalIgnoreCase);
                mman |= string.Equals(name, "CheckedMmap", StringComparison.OrdinalIgnoreCase);
            }

            return new BindingLibraries(mono, tmds, mman);
        }

        /// <summary>"Tmds.LibC" from ".../lib/netstandard2.0/Tmds.LibC.dll".</summary>
        private static string? FileName(string? path)
        {
            if (path is null)
            {
                return null;
            }

            int start = Math.Max(path.LastIndexOf('/'), path.LastIndexOf('\\')) + 1;
            string file = path.Substring(start);
            return file.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".exe", StringComparison.OrdinalIgnoreCase)
                ? file.Substring(0, file.Length - 4)
                : file;
        }
    }
}
