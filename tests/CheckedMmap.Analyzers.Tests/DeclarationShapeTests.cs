using System.Threading.Tasks;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>Every parameter type seen in real declarations of mmap.</summary>
public class DeclarationShapeTests
{
    [Fact]
    public Task Return_and_address_types() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        struct VoidPtr { public IntPtr Value; }

        static unsafe class Decls
        {
            [DllImport("libc", EntryPoint = "mmap")] static extern IntPtr MmapRetIntPtr(IntPtr a, nuint l, int p, int f, int fd, long o);
            [DllImport("libc", EntryPoint = "mmap")] static extern nint MmapRetNint(nint a, nuint l, int p, int f, int fd, long o);
            [DllImport("libc", EntryPoint = "mmap")] static extern void* MmapRetVoidPtr(void* a, nuint l, int p, int f, int fd, long o);
            [DllImport("libc", EntryPoint = "mmap")] static extern VoidPtr MmapRetStruct(nuint a, nuint l, int p, int f, int fd, long o);

            static void M(IntPtr hint)
            {
                MmapRetIntPtr(hint, 4096, 3, 0x22, -1, 0);
                MmapRetNint(nint.Zero, 4096, 3, 0x22, -1, 0);
                MmapRetVoidPtr(null, 4096, 3, 0x22, -1, 0);
                MmapRetStruct(UIntPtr.Zero, 4096, 3, 0x22, -1, 0);
                MmapRetIntPtr(hint, 4096, 3, {|MMAP002:0x21|}, -1, 0);
                MmapRetNint(0, 4096, 3, {|MMAP002:0x21|}, -1, 0);
                MmapRetVoidPtr((void*)0, 4096, 3, {|MMAP002:0x21|}, -1, 0);
                MmapRetStruct(0, 4096, 3, {|MMAP002:0x21|}, -1, 0);
            }
        }
        """).RunAsync();

    [Fact]
    public Task Length_types() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        struct size_t { public ulong Value; public static implicit operator size_t(ulong v) => new size_t { Value = v }; }

        static class Decls
        {
            [DllImport("libc", EntryPoint = "mmap")] static extern IntPtr MmapLInt(IntPtr a, int l, int p, int f, int fd, int o);
            [DllImport("libc", EntryPoint = "mmap")] static extern IntPtr MmapLUInt(IntPtr a, uint l, int p, int f, int fd, uint o);
            [DllImport("libc", EntryPoint = "mmap")] static extern IntPtr MmapLLong(IntPtr a, long l, int p, int f, int fd, long o);
            [DllImport("libc", EntryPoint = "mmap")] static extern IntPtr MmapLULong(IntPtr a, ulong l, int p, int f, int fd, ulong o);
            [DllImport("libc", EntryPoint = "mmap")] static extern IntPtr MmapLIntPtr(IntPtr a, IntPtr l, int p, int f, int fd, IntPtr o);
            [DllImport("libc", EntryPoint = "mmap")] static extern IntPtr MmapLUIntPtr(IntPtr a, UIntPtr l, int p, int f, int fd, UIntPtr o);
            [DllImport("libc", EntryPoint = "mmap")] static extern IntPtr MmapLNuint(IntPtr a, nuint l, int p, int f, int fd, nuint o);
            [DllImport("libc", EntryPoint = "mmap")] static extern IntPtr MmapLSize(IntPtr a, size_t l, int p, int f, int fd, long o);

            static void M(int size)
            {
                MmapLInt(IntPtr.Zero, 4096, 3, 0x22, -1, 0);
                MmapLUInt(IntPtr.Zero, 4096u, 3, 0x22, -1, 0u);
                MmapLLong(IntPtr.Zero, 4096L, 3, 0x22, -1, 0L);
                MmapLULong(IntPtr.Zero, 4096UL, 3, 0x22, -1, 0UL);
                MmapLIntPtr(IntPtr.Zero, new IntPtr(4096), 3, 0x22, -1, IntPtr.Zero);
                MmapLUIntPtr(IntPtr.Zero, (UIntPtr)4096, 3, 0x22, -1, UIntPtr.Zero);
                MmapLNuint(IntPtr.Zero, 4096, 3, 0x22, -1, 0);
                MmapLSize(IntPtr.Zero, 4096UL, 3, 0x22, -1, 0);
                MmapLIntPtr(IntPtr.Zero, (IntPtr)size, 3, 0x22, -1, IntPtr.Zero);

                MmapLInt(IntPtr.Zero, {|MMAP007:0|}, 3, 0x22, -1, 0);
                MmapLUInt(IntPtr.Zero, {|MMAP007:0u|}, 3, 0x22, -1, 0u);
                MmapLLong(IntPtr.Zero, {|MMAP007:0L|}, 3, 0x22, -1, 0L);
                MmapLULong(IntPtr.Zero, {|MMAP007:0UL|}, 3, 0x22, -1, 0UL);
                MmapLIntPtr(IntPtr.Zero, {|MMAP007:IntPtr.Zero|}, 3, 0x22, -1, IntPtr.Zero);
                MmapLUIntPtr(IntPtr.Zero, {|MMAP007:UIntPtr.Zero|}, 3, 0x22, -1, UIntPtr.Zero);
                MmapLNuint(IntPtr.Zero, {|MMAP007:0|}, 3, 0x22, -1, 0);
                MmapLSize(IntPtr.Zero, {|MMAP007:0UL|}, 3, 0x22, -1, 0);
            }
        }
        """).RunAsync();

    [Fact]
    public Task Prot_and_flags_as_enums_with_int_or_uint_base_and_as_uint() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        [Flags] enum MmapProts : uint { PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4 }
        [Flags] enum MmapFlags : uint { MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000 }
        [Flags] enum Protection { None = 0, Read = 1, Write = 2, Execute = 4 }
        [Flags] enum MemoryFlags { Shared = 1, Private = 2, Fixed = 0x10, Anonymous = 0x20 }

        static class Decls
        {
            [DllImport("libc", EntryPoint = "mmap")] static extern IntPtr MmapRyujinx(IntPtr a, ulong l, MmapProts p, MmapFlags f, int fd, long o);
            [DllImport("libc", EntryPoint = "mmap")] static extern IntPtr MmapMonoMod(IntPtr a, nuint l, Protection p, MemoryFlags f, int fd, int o);
            [DllImport("libc", EntryPoint = "mmap")] static extern IntPtr MmapWayland(IntPtr a, nuint l, uint p, uint f, int fd, long o);

            static void M()
            {
                MmapRyujinx(IntPtr.Zero, 4096, MmapProts.PROT_READ | MmapProts.PROT_WRITE, MmapFlags.MAP_PRIVATE | MmapFlags.MAP_ANONYMOUS, -1, 0);
                MmapMonoMod(IntPtr.Zero, 4096, Protection.Read | Protection.Write, MemoryFlags.Private | MemoryFlags.Anonymous, -1, 0);
                MmapWayland(IntPtr.Zero, 4096, 3u, 0x22u, -1, 0);
                MmapRyujinx(IntPtr.Zero, 4096, {|MMAP004:MmapProts.PROT_READ | MmapProts.PROT_EXEC|}, {|MMAP005:MmapFlags.MAP_PRIVATE | MmapFlags.MAP_ANONYMOUS | MmapFlags.MAP_NORESERVE|}, -1, 0);
                MmapMonoMod(IntPtr.Zero, 4096, {|MMAP004:Protection.None|}, {|MMAP001:MemoryFlags.Private | MemoryFlags.Anonymous | MemoryFlags.Fixed|}, -1, 0);
                MmapWayland(IntPtr.Zero, 4096, {|MMAP004:1u|}, {|MMAP002:1u|}, {|MMAP003:9|}, 0);
            }
        }
        """).RunAsync();

    [Fact]
    public Task Fd_as_handles_and_structs() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;
        using Microsoft.Win32.SafeHandles;

        sealed class SafeUnixHandle : SafeHandle
        {
            public SafeUnixHandle(IntPtr handle, bool owns) : base(IntPtr.Zero, owns) { SetHandle(handle); }
            public override bool IsInvalid => handle == new IntPtr(-1);
            protected override bool ReleaseHandle() => true;
        }

        struct V4l2FileDescriptor { public int Fd; }

        static class Decls
        {
            [DllImport("libc", EntryPoint = "mmap")] static extern IntPtr MmapFBTK(IntPtr a, ulong l, int p, int f, SafeUnixHandle fd, ulong o);
            [DllImport("libc", EntryPoint = "mmap")] static extern IntPtr MmapPal(IntPtr a, ulong l, int p, int f, SafeFileHandle fd, long o);
            [DllImport("libc", EntryPoint = "mmap")] static extern IntPtr MmapV4l2(IntPtr a, ulong l, int p, int f, V4l2FileDescriptor fd, long o);
            [DllImport("libc", EntryPoint = "mmap")] static extern IntPtr MmapRaspberry(IntPtr a, uint l, int p, int f, IntPtr fd, uint o);

            static void M(SafeUnixHandle device, V4l2FileDescriptor video, IntPtr i2c)
            {
                MmapFBTK(IntPtr.Zero, 4096, 3, {|MMAP002:1|}, device, 0);
                MmapPal(IntPtr.Zero, 4096, 3, 0x22, new SafeFileHandle(new IntPtr(-1), false), 0);
                MmapPal(IntPtr.Zero, 4096, 3, 0x22, {|MMAP003:new SafeFileHandle(IntPtr.Zero, false)|}, 0);
                MmapV4l2(IntPtr.Zero, 4096, 3, {|MMAP002:1|}, video, 0);
                MmapRaspberry(IntPtr.Zero, 4096, 3, {|MMAP002:1|}, i2c, 0);
                MmapRaspberry(IntPtr.Zero, 4096, 3, 0x22, {|MMAP003:IntPtr.Zero|}, 0);
            }
        }
        """).RunAsync();

    [Fact]
    public Task Offset_as_off_t_struct_with_user_defined_conversion() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        struct off_t { long _value; public static implicit operator off_t(long v) => new off_t { _value = v }; public static explicit operator off_t(int v) => new off_t { _value = v }; }

        static class Decls
        {
            [DllImport("libc", EntryPoint = "mmap")] static extern IntPtr MmapTmds(IntPtr a, nuint l, int p, int f, int fd, off_t o);

            static void M(long computed)
            {
                MmapTmds(IntPtr.Zero, 4096, 3, 0x22, -1, 0);
                MmapTmds(IntPtr.Zero, 4096, 3, 0x22, -1, default);
                MmapTmds(IntPtr.Zero, 4096, 3, 0x22, -1, computed);
                MmapTmds(IntPtr.Zero, 4096, 3, 0x22, -1, {|MMAP006:4096L|});
                MmapTmds(IntPtr.Zero, 4096, 3, 0x22, -1, {|MMAP006:(off_t)8192|});
            }
        }
        """).RunAsync();
}
