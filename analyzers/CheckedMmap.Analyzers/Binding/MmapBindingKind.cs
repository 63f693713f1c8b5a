namespace CheckedMmap.Analyzers.Binding
{
    /// <summary>Which library a call to mmap goes through; it decides which numbers its arguments mean.</summary>
    internal enum MmapBindingKind
    {
        /// <summary>A [DllImport]/[LibraryImport]/[GeneratedDllImport] method whose entry point is mmap or mmap64: the target OS's libc numbers.</summary>
        PInvoke,

        /// <summary>Mono.Unix.Native.Syscall.mmap: its enums carry Linux numbers on every OS (Mono.Unix translates them natively).</summary>
        MonoPosix,

        /// <summary>Tmds.Linux.LibC.mmap: Linux numbers, constants exposed as static properties.</summary>
        TmdsLibC,

        /// <summary>CheckedMmap.Mman.mmap: our checked runtime, emulating the target OS.</summary>
        CheckedMmapRuntime,
    }

    /// <summary>mmap's parameters by ordinal: mmap(addr, length, prot, flags, fd, offset).</summary>
    internal enum MmapParameter
    {
        Address = 0,
        Length = 1,
        Protection = 2,
        Flags = 3,
        FileDescriptor = 4,
        Offset = 5,
    }
}
