using System.Threading.Tasks;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>The bindings known by name: Mono.Posix and its successor Mono.Unix (real packages), Tmds.LibC (real package), CheckedMmap.Mman, and the PAL shim that must never be read as libc.</summary>
public class KnownBindingTests
{
    [Fact]
    public Task Mono_posix_enums_are_read_with_linux_numbers() => new MmapAnalyzerTest("""
        using System;
        using Mono.Unix.Native;

        class C
        {
            void M(int fd)
            {
                Syscall.mmap(IntPtr.Zero, 4096, MmapProts.PROT_READ | MmapProts.PROT_WRITE, MmapFlags.MAP_PRIVATE | MmapFlags.MAP_ANONYMOUS, -1, 0);
                Syscall.mmap(IntPtr.Zero, 4096, {|MMAP004:MmapProts.PROT_READ | MmapProts.PROT_EXEC|}, {|MMAP002:MmapFlags.MAP_SHARED|}, fd, 0);
                Syscall.mmap(IntPtr.Zero, 4096, MmapProts.PROT_READ | MmapProts.PROT_WRITE, {|MMAP005:MmapFlags.MAP_PRIVATE | MmapFlags.MAP_ANONYMOUS | MmapFlags.MAP_NORESERVE|}, -1, 0);
                Syscall.mmap(IntPtr.Zero, 4096, MmapProts.PROT_READ | MmapProts.PROT_WRITE, MmapFlags.MAP_PRIVATE | MmapFlags.MAP_ANON, {|MMAP003:0|}, {|MMAP006:4096|});
            }
        }
        """).WithMonoPosix().RunAsync();

    [Fact]
    public Task Mono_unix_package_is_the_same_binding() => new MmapAnalyzerTest("""
        using System;
        using Mono.Unix.Native;

        class C
        {
            void M(int fd)
            {
                Syscall.mmap(IntPtr.Zero, 4096, MmapProts.PROT_READ | MmapProts.PROT_WRITE, MmapFlags.MAP_PRIVATE | MmapFlags.MAP_ANONYMOUS, -1, 0);
                Syscall.mmap(IntPtr.Zero, 4096, MmapProts.PROT_READ | MmapProts.PROT_WRITE, {|MMAP002:MmapFlags.MAP_SHARED | MmapFlags.MAP_ANONYMOUS|}, -1, 0);
                Syscall.mmap(IntPtr.Zero, 4096, {|MMAP004:MmapProts.PROT_READ | MmapProts.PROT_EXEC|}, MmapFlags.MAP_PRIVATE | MmapFlags.MAP_ANONYMOUS, -1, {|MMAP006:4096|});
            }
        }
        """).WithMonoUnix().RunAsync();

    [Fact]
    public Task Mono_posix_stays_linux_when_the_target_is_macos() => new MmapAnalyzerTest("""
        using System;
        using Mono.Unix.Native;

        class C
        {
            void M()
            {
                // Mono.Unix translates these Linux numbers natively: 0x20 is anonymous here even on macOS.
                Syscall.mmap(IntPtr.Zero, 4096, MmapProts.PROT_READ | MmapProts.PROT_WRITE, MmapFlags.MAP_PRIVATE | MmapFlags.MAP_ANONYMOUS, -1, 0);
                Syscall.mmap(IntPtr.Zero, 4096, MmapProts.PROT_READ | MmapProts.PROT_WRITE, (MmapFlags)0x22, -1, 0);
                Syscall.mmap(IntPtr.Zero, 4096, MmapProts.PROT_READ | MmapProts.PROT_WRITE, {|MMAP005:(MmapFlags)0x4022|}, -1, 0);
            }
        }
        """).WithMonoPosix().WithEditorConfig("checkedmmap.target_os = macos").RunAsync();

    [Fact]
    public Task Tmds_libc_static_properties_are_read_by_name() => new MmapAnalyzerTest("""
        using Tmds.Linux;
        using static Tmds.Linux.LibC;

        unsafe class C
        {
            void M(int ringFd)
            {
                mmap(null, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                LibC.mmap(null, 4096, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_PRIVATE | LibC.MAP_ANON, -1, 0);
                mmap(null, 4096, PROT_READ | PROT_WRITE, {|MMAP002:{|MMAP005:MAP_SHARED | MAP_POPULATE|}|}, ringFd, {|MMAP006:0x8000000L|});
                mmap(null, 4096, {|MMAP004:PROT_NONE|}, {|MMAP005:MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE|}, -1, 0);
                mmap(null, 4096, PROT_READ | PROT_WRITE, {|MMAP001:MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE|}, -1, 0);
                mmap(null, 4096, PROT_READ | PROT_WRITE, {|MMAP005:MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB|}, -1, 0);
                mmap(null, {|MMAP007:0|}, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            }
        }
        """).WithTmdsLibC().RunAsync();

    [Fact]
    public Task Tmds_hugetlb_message_names_the_bits() => new MmapAnalyzerTest("""
        using static Tmds.Linux.LibC;

        unsafe class C
        {
            void M() => mmap(null, 4096, PROT_READ | PROT_WRITE, {|#0:MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK|}, -1, 0);
        }
        """).WithTmdsLibC().Expect(new Microsoft.CodeAnalysis.Testing.DiagnosticResult(FlagsRule.ExtraBits).WithLocation(0).WithArguments(
            "are", "MAP_PRIVATE|MAP_ANONYMOUS|MAP_STACK", "MAP_STACK",
            "CheckedMmap only supports calls to mmap which set the flags argument to MAP_PRIVATE|MAP_ANONYMOUS")).RunAsync();

    [Fact]
    public Task CheckedMmap_runtime_through_the_swap_alias() => new MmapAnalyzerTest("""
        #define CHECKED
        #if CHECKED
        using Native = CheckedMmap.Mman;
        #else
        using Native = MyAllocator.Libc;
        #endif

        class Arena
        {
            nint Reserve(nuint size) => Native.mmap(0, size, Native.PROT_READ | Native.PROT_WRITE, Native.MAP_PRIVATE | Native.MAP_ANONYMOUS, -1, 0);
            nint Bad(nuint size) => Native.mmap(0, size, Native.PROT_READ | Native.PROT_WRITE, {|MMAP005:Native.MAP_PRIVATE | Native.MAP_ANONYMOUS | Native.MAP_POPULATE|}, -1, 0);
            nint Reservation(nuint size) => Native.mmap(0, size, {|MMAP004:Native.PROT_NONE|}, {|MMAP005:Native.MAP_PRIVATE | Native.MAP_ANONYMOUS | Native.MAP_NORESERVE|}, -1, 0);
            unsafe void* Pointer() => Native.mmap(null, 4096, Native.PROT_READ | Native.PROT_WRITE, Native.MAP_PRIVATE | Native.MAP_ANONYMOUS, {|MMAP003:0|}, 0);
        }
        """).WithSource(Sources.CheckedMmapMman).RunAsync();

    [Theory]
    [InlineData("Native.mmap(0, size, Native.PROT_READ | Native.PROT_WRITE, {|MMAP005:Native.MAP_PRIVATE | Native.MAP_ANONYMOUS | Native.MAP_POPULATE|}, -1, 0)")]
    [InlineData("Native.mmap(0, size, {|MMAP004:Native.PROT_READ|}, Native.MAP_PRIVATE | Native.MAP_ANONYMOUS, -1, 0)")]
    [InlineData("Native.mmap(0, size, Native.PROT_READ | Native.PROT_WRITE, {|MMAP002:Native.MAP_SHARED | Native.MAP_ANONYMOUS|}, -1, 0)")]
    [InlineData("Native.mmap(0, size, Native.PROT_READ | Native.PROT_WRITE, Native.MAP_PRIVATE | Native.MAP_ANONYMOUS, -1, {|MMAP006:4096|})")]
    [InlineData("Native.mmap(offset: 0, {|MMAP003:fd: 3|}, flags: Native.MAP_PRIVATE | Native.MAP_ANONYMOUS, prot: Native.PROT_READ | Native.PROT_WRITE, length: size, addr: 0)")]
    [InlineData("Native.mmap(0, size, Native.PROT_READ | Native.PROT_WRITE, Native.MAP_PRIVATE | Native.MAP_ANONYMOUS, -1, 0)")]
    public Task CheckedMmap_real_runtime_assembly_is_a_known_binding(string call) => new MmapAnalyzerTest($$"""
        using Native = CheckedMmap.Mman;

        class Arena
        {
            // The real Mman.mmap has caller-info parameters after libc's six.
            nint Map(nuint size) => {{call}};
        }
        """).WithCheckedMmapRuntime().RunAsync();

    [Fact]
    public Task CheckedMmap_runtime_constants_follow_the_target_os() => new MmapAnalyzerTest("""
        using CheckedMmap;

        class Arena
        {
            nint A(nuint size) => Mman.mmap(0, size, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, -1, 0);
            // MAP_NORESERVE is 0x40 on macOS.
            nint B(nuint size) => Mman.mmap(0, size, Mman.PROT_READ | Mman.PROT_WRITE, {|#0:Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_NORESERVE|}, -1, 0);
        }
        """).WithSource(Sources.CheckedMmapMman).WithEditorConfig("checkedmmap.target_os = macos")
        .Expect(new Microsoft.CodeAnalysis.Testing.DiagnosticResult(FlagsRule.ExtraBits).WithLocation(0).WithArguments(
            "are", "MAP_PRIVATE|MAP_NORESERVE|MAP_ANONYMOUS", "MAP_NORESERVE",
            "CheckedMmap only supports calls to mmap which set the flags argument to MAP_PRIVATE|MAP_ANONYMOUS")).RunAsync();

    /// <summary>dotnet/runtime's Interop.Sys.MMap: its MAP_ANONYMOUS is 0x10 (Linux's MAP_FIXED) and it returns NULL on failure.</summary>
    private const string PalShim = """
        using System;
        using System.Runtime.InteropServices;
        using Microsoft.Win32.SafeHandles;

        internal static partial class Interop
        {
            internal static partial class Libraries
            {
                internal const string SystemNative = "libSystem.Native";
            }

            internal static partial class Sys
            {
                [Flags]
                internal enum MemoryMappedProtections { PROT_NONE = 0x0, PROT_READ = 0x1, PROT_WRITE = 0x2, PROT_EXEC = 0x4 }

                [Flags]
                internal enum MemoryMappedFlags { MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x10 }

                [LibraryImport(Libraries.SystemNative, EntryPoint = "SystemNative_MMap", SetLastError = true)]
                internal static partial IntPtr {|CS8795:MMap|}(IntPtr addr, ulong len, MemoryMappedProtections prot, MemoryMappedFlags flags, SafeFileHandle fd, long offset);
            }
        }
        """;

    [Fact]
    public Task The_pal_shim_is_never_read_as_libc() => new MmapAnalyzerTest("""
        using System;
        using Microsoft.Win32.SafeHandles;
        using static Interop.Sys;

        class MemoryMappedView
        {
            IntPtr Map(SafeFileHandle handle, ulong length, long offset)
            {
                IntPtr p = MMap(IntPtr.Zero, length, MemoryMappedProtections.PROT_READ | MemoryMappedProtections.PROT_EXEC, MemoryMappedFlags.MAP_SHARED, handle, offset);
                IntPtr q = MMap(IntPtr.Zero, 0, MemoryMappedProtections.PROT_NONE, MemoryMappedFlags.MAP_PRIVATE | MemoryMappedFlags.MAP_ANONYMOUS, new SafeFileHandle((IntPtr)5, false), 4096);
                return p == IntPtr.Zero ? q : p; // NULL is this shim's failure value: correct here.
            }
        }
        """).WithSource(PalShim).RunAsync();

    [Fact]
    public Task The_pal_enums_passed_to_a_real_libc_binding_are_read_by_value_and_name() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;
        using static Interop.Sys;

        static class Mixed
        {
            [DllImport("libc", EntryPoint = "mmap")]
            static extern IntPtr mmap(IntPtr addr, ulong len, MemoryMappedProtections prot, MemoryMappedFlags flags, int fd, long offset);

            static void M()
            {
                // MAP_ANONYMOUS is 0x10 in this enum; by name it is still anonymous, so no MAP_FIXED is reported.
                mmap(IntPtr.Zero, 4096, MemoryMappedProtections.PROT_READ | MemoryMappedProtections.PROT_WRITE, MemoryMappedFlags.MAP_PRIVATE | MemoryMappedFlags.MAP_ANONYMOUS, -1, 0);
                mmap(IntPtr.Zero, 4096, MemoryMappedProtections.PROT_READ | MemoryMappedProtections.PROT_WRITE, {|MMAP002:MemoryMappedFlags.MAP_SHARED | MemoryMappedFlags.MAP_ANONYMOUS|}, -1, 0);
            }
        }
        """).WithSource(PalShim).RunAsync();
}
