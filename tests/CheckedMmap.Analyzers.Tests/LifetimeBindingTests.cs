using System.Threading.Tasks;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>MMAP008 and MMAP009 through every kind of binding the analyzer recognises, and never through the PAL shim.</summary>
public class LifetimeBindingTests
{
    private static DiagnosticResult At(int marker, DiagnosticDescriptor descriptor, params object[] arguments) =>
        new DiagnosticResult(descriptor).WithLocation(marker).WithArguments(arguments).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations);

    [Fact]
    public Task Nint_results_through_DllImport_and_LibraryImport() => new LifetimeAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        static unsafe partial class Native
        {
            [DllImport("libc", SetLastError = true)]
            static extern nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

            [LibraryImport("libc", SetLastError = true)]
            private static partial int {|CS8795:munmap|}(nint addr, nuint length);

            static void M()
            {
                nint p = mmap(0, 8192, 3, 0x22, -1, 0);
                if ({|#0:p == 0|}) return;
                {|#1:munmap(p, 4096)|};
            }
        }
        """).Expect(At(0, FailureCheckRule.NullCheck, "mmap", "14"), At(1, WholeMappingMunmapRule.WrongLength, "4096", "8192", "line 14")).RunAsync();

    [Fact]
    public Task Renamed_entry_points_of_mmap_and_munmap() => new LifetimeAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        static unsafe class Native
        {
            [DllImport("libc", EntryPoint = "mmap", SetLastError = true)]
            static extern byte* Map(void* addr, nuint length, int prot, int flags, int fd, long offset);

            [DllImport("libc", EntryPoint = "munmap", SetLastError = true)]
            static extern int Release(void* addr, nuint length);

            static void M()
            {
                byte* p = Map(null, 65536, 3, 0x22, -1, 0);
                {|#0:p[0]|} = 1;
                {|#1:Release(p, 0)|};
                {|#2:Release(p + 4096, 4096)|};
            }
        }
        """).Expect(
            At(0, FailureCheckRule.UncheckedUse, "mmap", "14"),
            At(1, WholeMappingMunmapRule.ZeroLength, " of the mapping made at line 14"),
            At(2, WholeMappingMunmapRule.Interior, "4096 bytes", "line 14")).RunAsync();

    [Fact]
    public Task A_renamed_munmap_called_from_a_file_that_maps() => new LifetimeAnalyzerTest("""
        using System;

        static class Pool
        {
            static void M()
            {
                IntPtr p = Libc.mmap(IntPtr.Zero, (UIntPtr)8192, 3, 0x22, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) return;
                {|#0:Unix.Free(p, (UIntPtr)4096)|};
            }
        }
        """).WithSource(Sources.Libc).WithSource("""
        using System;
        using System.Runtime.InteropServices;

        static class Unix
        {
            [DllImport("libc", EntryPoint = "munmap")]
            public static extern int Free(IntPtr addr, UIntPtr length);
        }
        """).Expect(At(0, WholeMappingMunmapRule.WrongLength, "4096", "8192", "line 7")).RunAsync();

    [Fact]
    public Task Tmds_libc_void_pointers_and_its_MAP_FAILED_property() => new LifetimeAnalyzerTest("""
        using static Tmds.Linux.LibC;

        unsafe class C
        {
            void Wrong()
            {
                void* p = mmap(null, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                if ({|#0:p == null|}) return;
                {|#1:munmap(p, 4096)|};
            }

            void Right()
            {
                void* p = mmap(null, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                if (p == MAP_FAILED) return;
                *(byte*)p = 1;
                munmap(p, 8192);
            }
        }
        """).WithTmdsLibC().Expect(At(0, FailureCheckRule.NullCheck, "mmap", "7"), At(1, WholeMappingMunmapRule.WrongLength, "4096", "8192", "line 7")).RunAsync();

    [Theory]
    [InlineData("Mono.Posix.NETStandard")]
    [InlineData("Mono.Unix")]
    public Task Mono_posix_syscall(string package) => WithMonoPackage(new LifetimeAnalyzerTest("""
        using System;
        using Mono.Unix.Native;

        class C
        {
            void Wrong()
            {
                IntPtr p = Syscall.mmap(IntPtr.Zero, 8192, MmapProts.PROT_READ | MmapProts.PROT_WRITE, MmapFlags.MAP_PRIVATE | MmapFlags.MAP_ANONYMOUS, -1, 0);
                if ({|#0:p == IntPtr.Zero|}) return;
                {|#1:Syscall.munmap(p, 0)|};
            }

            void Right()
            {
                IntPtr p = Syscall.mmap(IntPtr.Zero, 8192, MmapProts.PROT_READ | MmapProts.PROT_WRITE, MmapFlags.MAP_PRIVATE | MmapFlags.MAP_ANONYMOUS, -1, 0);
                if (p == Syscall.MAP_FAILED) return;
                Syscall.munmap(p, 8192);
            }
        }
        """), package).Expect(At(0, FailureCheckRule.NullCheck, "mmap", "8"), At(1, WholeMappingMunmapRule.ZeroLength, " of the mapping made at line 8")).RunAsync();

    private static HermeticAnalyzerTest<CheckedMmap.Analyzers.Lifetime.MmapLifetimeAnalyzer> WithMonoPackage(LifetimeAnalyzerTest test, string package) =>
        package == "Mono.Unix" ? test.WithMonoUnix() : test.WithMonoPosix();

    [Fact]
    public Task The_checked_runtime_Mman() => new LifetimeAnalyzerTest("""
        using CheckedMmap;

        unsafe class C
        {
            void M()
            {
                nint p = Mman.mmap(0, 8192, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, -1, 0);
                if ({|#0:p == 0|}) return;
                {|#1:Mman.munmap(p, 4096)|};
                void* q = Mman.mmap(null, 4096, Mman.PROT_READ | Mman.PROT_WRITE, Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, -1, 0);
                if (q == Mman.MAP_FAILED_POINTER) return;
                Mman.munmap(q, 4096);
            }
        }
        """).WithCheckedMmapRuntime().Expect(At(0, FailureCheckRule.NullCheck, "mmap", "7"), At(1, WholeMappingMunmapRule.WrongLength, "4096", "8192", "line 7")).RunAsync();

    [Fact]
    public Task A_wrapper_that_returns_mmap_result_is_a_mapping_with_its_call_site_length() => new LifetimeAnalyzerTest("""
        using System;
        using static Libc;

        static class Pages
        {
            static IntPtr MmapPages(UIntPtr length) => mmap(IntPtr.Zero, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);

            static IntPtr MmapChecked(UIntPtr length)
            {
                IntPtr p = mmap(IntPtr.Zero, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) throw new OutOfMemoryException();
                return p;
            }

            static void M()
            {
                IntPtr p = MmapPages((UIntPtr)8192);
                if ({|#0:p == IntPtr.Zero|}) return;
                {|#1:munmap(p, (UIntPtr)4096)|};
                IntPtr q = MmapChecked((UIntPtr)8192);
                if (q == IntPtr.Zero) return;    // the wrapper checks MAP_FAILED itself: a NULL check is harmless
                {|#2:munmap(q, (UIntPtr)4096)|}; // it returns a local only mmap assigns: that mapping
                IntPtr r = MmapChecked((UIntPtr)4096);
                r.ToString();                    // no check needed
                munmap(r, (UIntPtr)4096);
            }
        }
        """).WithSource(Sources.Libc).Expect(
            At(0, FailureCheckRule.NullCheck, "mmap", "17"),
            At(1, WholeMappingMunmapRule.WrongLength, "4096", "8192", "line 17"),
            At(2, WholeMappingMunmapRule.WrongLength, "4096", "8192", "line 20")).RunAsync();

    [Fact]
    public Task A_wrapper_without_parameters_is_a_mapping_of_the_length_it_maps() => new LifetimeAnalyzerTest("""
        using System;
        using static Libc;

        static unsafe class Pages
        {
            static IntPtr MapPage() => mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);

            static IntPtr MapConfigured() => mmap(IntPtr.Zero, (UIntPtr)Environment.ProcessorCount, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);

            static IntPtr Describe() => new IntPtr(MapPage().ToInt64() + 16); // returns no mapping: not a source

            static void M()
            {
                IntPtr p = MapPage();
                if (p == new IntPtr(-1)) return;
                {|#0:munmap(p, (UIntPtr)8192)|};
                {|#1:munmap(p, (UIntPtr)4096)|};
                IntPtr q = MapPage();
                {|#2:*(byte*)q|} = 1;
                IntPtr r = MapConfigured();
                if (r == new IntPtr(-1)) return;
                munmap(r, (UIntPtr)8192);        // its length is not known here
                {|#3:munmap(r, (UIntPtr)8192)|};
                IntPtr s = Describe();
                munmap(s, (UIntPtr)4096);
                munmap(s, (UIntPtr)4096);
            }
        }
        """).WithSource(Sources.Libc).Expect(
            At(0, WholeMappingMunmapRule.LongerLength, "8192", "4096", "line 14"),
            At(1, WholeMappingMunmapRule.Twice, "line 14", "line 16"),
            At(2, FailureCheckRule.UncheckedUse, "mmap", "18"),
            At(3, WholeMappingMunmapRule.Twice, "line 20", "line 22")).RunAsync();

    [Fact]
    public Task A_wrapper_that_passes_flags_maps_the_constant_length_it_gives_mmap() => new LifetimeAnalyzerTest("""
        using System;
        using static Libc;

        static class Pages
        {
            static IntPtr MapWith(int flags) => mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, flags, -1, IntPtr.Zero);

            static void M()
            {
                IntPtr p = MapWith(MAP_PRIVATE | MAP_ANONYMOUS);
                if (p == new IntPtr(-1)) return;
                {|#0:munmap(p, (UIntPtr)8192)|};
            }
        }
        """).WithSource(Sources.Libc).Expect(At(0, WholeMappingMunmapRule.LongerLength, "8192", "4096", "line 10")).RunAsync();

    [Fact]
    public Task A_munmap_wrapper_is_judged_at_its_call_sites_on_the_arguments_it_passes_through() => new LifetimeAnalyzerTest("""
        using System;

        static class Pool
        {
            static void M(bool condition)
            {
                IntPtr p = Libc.mmap(IntPtr.Zero, (UIntPtr)8192, 3, 0x22, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) return;
                {|#0:Memory.Free(p, (UIntPtr)4096)|};
                IntPtr q = Libc.mmap(IntPtr.Zero, (UIntPtr)8192, 3, 0x22, -1, IntPtr.Zero);
                if (q == new IntPtr(-1)) return;
                Memory.FreePage(q);
                if (condition) {|#1:Memory.FreePage(q)|};
                IntPtr r = Libc.mmap(IntPtr.Zero, (UIntPtr)8192, 3, 0x22, -1, IntPtr.Zero);
                if (r == new IntPtr(-1)) return;
                Memory.Free(r, (UIntPtr)8192);
                Memory.Unrelated(r, 0);
                IntPtr s = Libc.mmap(IntPtr.Zero, (UIntPtr)8192, 3, 0x22, -1, IntPtr.Zero);
                if (s == new IntPtr(-1)) return;
                Memory.FreeRounded(s, (UIntPtr)4096);
            }
        }
        """).WithSource(Sources.Libc).WithSource("""
        using System;

        static class Memory
        {
            public static void Free(IntPtr address, UIntPtr length)
            {
                if (Libc.munmap(address, length) != 0) throw new InvalidOperationException();
            }

            public static void FreePage(IntPtr address) => Libc.munmap(address, (UIntPtr)8192);

            // The length its caller passes is replaced before the munmap: the call site's length is not the one unmapped.
            public static void FreeRounded(IntPtr address, UIntPtr length)
            {
                length = (UIntPtr)8192;
                Libc.munmap(address, length);
            }

            public static void Unrelated(IntPtr address, int flags) => Console.WriteLine(address + flags);
        }
        """).Expect(
            At(0, WholeMappingMunmapRule.WrongLength, "4096", "8192", "line 7"),
            At(1, WholeMappingMunmapRule.Twice, "line 10", "line 12")).RunAsync();

    [Fact]
    public Task Mremap_results_are_mappings_with_the_new_length_and_fail_with_MAP_FAILED() => new LifetimeAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        static unsafe class Native
        {
            [DllImport("libc", SetLastError = true)] static extern nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);
            [DllImport("libc", SetLastError = true)] static extern nint mremap(nint oldAddress, nuint oldSize, nuint newSize, int flags);
            [DllImport("libc", SetLastError = true)] static extern int munmap(nint addr, nuint length);

            static void Grow()
            {
                nint p = mmap(0, 4096, 3, 0x22, -1, 0);
                if (p == -1) return;
                nint q = mremap(p, 4096, 16384, 1);
                if ({|#0:q == 0|}) return;
                {|#1:munmap(q, 4096)|};
            }
        }
        """).Expect(
            new DiagnosticResult(FailureCheckRule.NullCheck).WithLocation(0).WithArguments("mremap", "14").WithOptions(DiagnosticOptions.IgnoreAdditionalLocations),
            At(1, WholeMappingMunmapRule.WrongLength, "4096", "16384", "line 14")).RunAsync();

    [Fact]
    public Task Generated_code_is_not_judged() => new LifetimeAnalyzerTest("""
        using System;
        using static Libc;

        static class Hand
        {
            [System.CodeDom.Compiler.GeneratedCode("tool", "1.0")]
            static void Generated() => munmap(IntPtr.Zero, UIntPtr.Zero);

        #line hidden
            static void Hidden() => munmap(IntPtr.Zero, UIntPtr.Zero);
        #line default

            static void Written() => {|#0:munmap(IntPtr.Zero, UIntPtr.Zero)|};

            static IntPtr Mapped() => mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, IntPtr.Zero);
        }
        """).WithSource(Sources.Libc).Expect(At(0, WholeMappingMunmapRule.ZeroLength, "")).RunAsync();

    /// <summary>dotnet/runtime's shim: SystemNative_MMap returns NULL on failure; SystemNative_MUnmap is not libc's munmap.</summary>
    [Fact]
    public Task The_pal_shim_stays_silent() => new LifetimeAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;
        using Microsoft.Win32.SafeHandles;

        internal static partial class Interop
        {
            internal static partial class Sys
            {
                [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_MMap", SetLastError = true)]
                internal static partial IntPtr {|CS8795:MMap|}(IntPtr addr, ulong len, int prot, int flags, SafeFileHandle fd, long offset);

                [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_MUnmap", SetLastError = true)]
                internal static partial int {|CS8795:MUnmap|}(IntPtr addr, ulong len);
            }
        }

        unsafe class View
        {
            void M(SafeFileHandle handle)
            {
                IntPtr p = Interop.Sys.MMap(IntPtr.Zero, 8192, 3, 0x12, handle, 0);
                if (p == IntPtr.Zero) return;
                *(byte*)p = 1;
                Interop.Sys.MUnmap(p, 0);
                Interop.Sys.MUnmap(p + 4096, 4096);
            }
        }
        """).RunAsync();
}
