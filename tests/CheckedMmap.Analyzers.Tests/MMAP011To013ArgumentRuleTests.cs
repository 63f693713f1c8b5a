using System.Threading.Tasks;
using CheckedMmap.Analyzers.Functions;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using CheckedMmap.Contract;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>MMAP011 (mprotect protections), MMAP012 (madvise advice), MMAP013 (mremap flags), over every kind of binding.</summary>
public class MMAP011To013ArgumentRuleTests
{
    private const string Binding = """
        using System;
        using System.Runtime.InteropServices;

        public static unsafe partial class Native
        {
            public const int PROT_NONE = 0, PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
            public const int MADV_NORMAL = 0, MADV_RANDOM = 1, MADV_SEQUENTIAL = 2, MADV_WILLNEED = 3, MADV_DONTNEED = 4, MADV_FREE = 8;
            public const int MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2, MREMAP_DONTUNMAP = 4;

            // A project's interop file declares mmap too: that is where the other bindings are looked for.
            [DllImport("libc", SetLastError = true)]
            public static extern IntPtr mmap(IntPtr addr, UIntPtr length, int prot, int flags, int fd, IntPtr offset);

            [DllImport("libc", SetLastError = true)]
            public static extern int mprotect(IntPtr addr, UIntPtr len, int prot);

            [DllImport("libc", SetLastError = true)]
            public static extern int madvise(IntPtr addr, UIntPtr len, int advice);

            [DllImport("libc", SetLastError = true)]
            public static extern IntPtr mremap(IntPtr oldAddress, UIntPtr oldSize, UIntPtr newSize, int flags);

            [DllImport("libc", EntryPoint = "mremap", SetLastError = true)]
            public static extern IntPtr MoveTo(IntPtr oldAddress, UIntPtr oldSize, UIntPtr newSize, int flags, IntPtr newAddress);

            [LibraryImport("libc", EntryPoint = "mprotect", SetLastError = true)]
            public static partial int {|CS8795:Protect|}(void* addr, nuint len, int prot);
        }
        """;

    private static HermeticAnalyzerTest<LibcArgumentAnalyzer> Test(string body, string usings = "using static Native;") => new HermeticAnalyzerTest<LibcArgumentAnalyzer>($$"""
        using System;
        {{usings}}

        unsafe class C
        {
            void M(IntPtr p, bool condition, int unknown)
            {
        {{body}}
            }
        }
        """);

    private static DiagnosticResult At(int marker, DiagnosticDescriptor descriptor, params object[] arguments) =>
        new DiagnosticResult(descriptor).WithLocation(marker).WithArguments(arguments);

    // ---- MMAP011 ----

    [Fact]
    public Task Mprotect_with_exec_none_or_read_only_is_reported_with_the_protections() => Test("""
                mprotect(p, (UIntPtr)4096, {|#0:PROT_READ | PROT_EXEC|});
                mprotect(p, (UIntPtr)4096, {|#1:PROT_NONE|});
                mprotect(p, (UIntPtr)4096, {|#2:PROT_READ|});
                mprotect(p, (UIntPtr)4096, {|#3:condition ? PROT_READ | PROT_WRITE : PROT_READ | PROT_WRITE | PROT_EXEC|});
                Protect((void*)p, 4096, {|#4:7|});
                mprotect(p, (UIntPtr)4096, PROT_READ | PROT_WRITE);
                mprotect(p, (UIntPtr)4096, unknown);
        """).WithSource(Binding).Expect(
            At(0, MprotectRule.Descriptor, "are", "PROT_READ|PROT_EXEC", MmapMessages.Protections),
            At(1, MprotectRule.Descriptor, "are", "PROT_NONE", MmapMessages.Protections),
            At(2, MprotectRule.Descriptor, "are", "PROT_READ", MmapMessages.Protections),
            At(3, MprotectRule.Descriptor, "may be", "PROT_READ|PROT_WRITE|PROT_EXEC", MmapMessages.Protections),
            At(4, MprotectRule.Descriptor, "are", "PROT_READ|PROT_WRITE|PROT_EXEC", MmapMessages.Protections)).RunAsync();

    [Fact]
    public Task Bindings_declared_in_a_file_that_never_names_mmap_are_followed() => new HermeticAnalyzerTest<LibcArgumentAnalyzer>("""
        using System;

        static class Jit
        {
            static void Seal(IntPtr code, UIntPtr size)
            {
                PageProtection.mprotect(code, size, {|#0:PageProtection.PROT_READ | PageProtection.PROT_EXEC|});
                PageProtection.Advise(code, size, {|#1:4|});
            }
        }
        """).WithSource("""
        using System;
        using System.Runtime.InteropServices;

        // A JIT's page-protection helpers: no mmap anywhere in the project's text.
        static class PageProtection
        {
            public const int PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;

            [DllImport("libc", SetLastError = true)]
            public static extern int mprotect(IntPtr addr, UIntPtr len, int prot);

            [DllImport("libc", EntryPoint = "madvise", SetLastError = true)]
            public static extern int Advise(IntPtr addr, UIntPtr len, int advice);
        }
        """).Expect(
            At(0, MprotectRule.Descriptor, "are", "PROT_READ|PROT_EXEC", MmapMessages.Protections),
            At(1, MadviseRule.Descriptor, "is", "MADV_DONTNEED", MmapMessages.MadviseAdvice)).RunAsync();

    [Fact]
    public Task Mprotect_through_Tmds_Mono_and_the_checked_runtime() => new HermeticAnalyzerTest<LibcArgumentAnalyzer>("""
        using System;
        using Mono.Unix.Native;

        unsafe class C
        {
            void M(IntPtr p)
            {
                Tmds.Linux.LibC.mprotect((void*)p, 4096, {|#0:Tmds.Linux.LibC.PROT_READ | Tmds.Linux.LibC.PROT_EXEC|});
                Syscall.mprotect(p, 4096, {|#1:MmapProts.PROT_READ|});
                CheckedMmap.Mman.mprotect(p, 4096, {|#2:CheckedMmap.Mman.PROT_NONE|});
                Tmds.Linux.LibC.mprotect((void*)p, 4096, Tmds.Linux.LibC.PROT_READ | Tmds.Linux.LibC.PROT_WRITE);
            }
        }
        """).WithTmdsLibC().WithMonoPosix().WithCheckedMmapRuntime().Expect(
            At(0, MprotectRule.Descriptor, "are", "PROT_READ|PROT_EXEC", MmapMessages.Protections),
            At(1, MprotectRule.Descriptor, "are", "PROT_READ", MmapMessages.Protections),
            At(2, MprotectRule.Descriptor, "are", "PROT_NONE", MmapMessages.Protections)).RunAsync();

    // ---- MMAP012 ----

    [Fact]
    public Task Madvise_with_other_advice_is_reported_by_name() => Test("""
                madvise(p, (UIntPtr)4096, {|#0:MADV_DONTNEED|});
                madvise(p, (UIntPtr)4096, {|#1:MADV_FREE|});
                madvise(p, (UIntPtr)4096, {|#2:condition ? MADV_WILLNEED : MADV_DONTNEED|});
                madvise(p, (UIntPtr)4096, MADV_NORMAL);
                madvise(p, (UIntPtr)4096, MADV_RANDOM);
                madvise(p, (UIntPtr)4096, MADV_SEQUENTIAL);
                madvise(p, (UIntPtr)4096, MADV_WILLNEED);
                madvise(p, (UIntPtr)4096, unknown);
        """).WithSource(Binding).Expect(
            At(0, MadviseRule.Descriptor, "is", "MADV_DONTNEED", MmapMessages.MadviseAdvice),
            At(1, MadviseRule.Descriptor, "is", "MADV_FREE", MmapMessages.MadviseAdvice),
            At(2, MadviseRule.Descriptor, "may be", "MADV_DONTNEED", MmapMessages.MadviseAdvice)).RunAsync();

    [Fact]
    public Task Linux_advice_numbers_of_newer_kernels_are_named() => Test("""
                madvise(p, (UIntPtr)4096, {|#0:102|});
                madvise(p, (UIntPtr)4096, {|#1:23|});
        """).WithSource(Binding).Expect(
            At(0, MadviseRule.Descriptor, "is", "MADV_GUARD_INSTALL", MmapMessages.MadviseAdvice),
            At(1, MadviseRule.Descriptor, "is", "MADV_POPULATE_WRITE", MmapMessages.MadviseAdvice)).RunAsync();

    [Fact]
    public Task Madvise_numbers_are_named_for_the_target_os() => Test("""
                madvise(p, (UIntPtr)4096, {|#0:5|});
        """).WithSource(Binding).WithGlobalConfig("checkedmmap.target_os = macos").Expect(
            At(0, MadviseRule.Descriptor, "is", "MADV_FREE", MmapMessages.MadviseAdvice)).RunAsync();

    [Fact]
    public Task Madvise_under_a_platform_check_the_target_does_not_take_is_not_judged() => Test("""
                if (OperatingSystem.IsMacOS())
                {
                    madvise(p, (UIntPtr)4096, 5);
                }
                else
                {
                    madvise(p, (UIntPtr)4096, {|#0:MADV_DONTNEED|});
                }
        """).WithSource(Binding).Expect(
            At(0, MadviseRule.Descriptor, "is", "MADV_DONTNEED", MmapMessages.MadviseAdvice)).RunAsync();

    [Fact]
    public Task Madvise_through_Tmds() => new HermeticAnalyzerTest<LibcArgumentAnalyzer>("""
        using static Tmds.Linux.LibC;

        unsafe class C
        {
            void M(void* p)
            {
                madvise(p, 4096, {|#0:MADV_DONTNEED|});
                madvise(p, 4096, MADV_WILLNEED);
            }
        }
        """).WithTmdsLibC().Expect(At(0, MadviseRule.Descriptor, "is", "MADV_DONTNEED", MmapMessages.MadviseAdvice)).RunAsync();

    // ---- MMAP013 ----

    [Fact]
    public Task Mremap_without_MAYMOVE_or_with_FIXED_or_DONTUNMAP_is_reported() => Test("""
                mremap(p, (UIntPtr)4096, (UIntPtr)8192, {|#0:0|});
                mremap(p, (UIntPtr)8192, (UIntPtr)4096, {|#1:0|});
                MoveTo(p, (UIntPtr)4096, (UIntPtr)8192, {|#2:MREMAP_MAYMOVE | MREMAP_FIXED|}, p);
                mremap(p, (UIntPtr)4096, (UIntPtr)8192, {|#3:MREMAP_MAYMOVE | MREMAP_DONTUNMAP|});
                mremap(p, (UIntPtr)4096, (UIntPtr)8192, {|#4:condition ? MREMAP_MAYMOVE : 0|});
                mremap(p, (UIntPtr)4096, (UIntPtr)8192, MREMAP_MAYMOVE);
                mremap(p, (UIntPtr)4096, (UIntPtr)8192, unknown);
        """).WithSource(Binding).Expect(
            At(0, MremapFlagsRule.WithoutMayMove, "are", "0", MmapMessages.EinvalMremapWithoutMayMove),
            At(1, MremapFlagsRule.WithoutMayMove, "are", "0", MmapMessages.EinvalMremapWithoutMayMove),
            At(2, MremapFlagsRule.Fixed, "are", "MREMAP_MAYMOVE|MREMAP_FIXED", MmapMessages.MremapFixed),
            At(3, MremapFlagsRule.DontUnmap, "are", "MREMAP_MAYMOVE|MREMAP_DONTUNMAP", MmapMessages.MremapDontUnmap),
            At(4, MremapFlagsRule.WithoutMayMove, "may be", "0", MmapMessages.EinvalMremapWithoutMayMove)).RunAsync();

    [Fact]
    public Task Mremap_flags_are_judged_by_the_first_check_they_fail_as_the_runtime_stops_there() => Test("""
                mremap(p, (UIntPtr)4096, (UIntPtr)8192, {|#0:MREMAP_FIXED|});
                mremap(p, (UIntPtr)4096, (UIntPtr)8192, {|#1:MREMAP_FIXED | MREMAP_DONTUNMAP|});
                mremap(p, (UIntPtr)4096, (UIntPtr)8192, {|#2:condition ? MREMAP_FIXED : 0|});
        """).WithSource(Binding).Expect(
            At(0, MremapFlagsRule.Fixed, "are", "MREMAP_FIXED", MmapMessages.MremapFixed),
            At(1, MremapFlagsRule.Fixed, "are", "MREMAP_FIXED|MREMAP_DONTUNMAP", MmapMessages.MremapFixed),
            At(2, MremapFlagsRule.Fixed, "may be", "MREMAP_FIXED", MmapMessages.MremapFixed),
            At(2, MremapFlagsRule.WithoutMayMove, "may be", "0", MmapMessages.EinvalMremapWithoutMayMove)).RunAsync();

    [Fact]
    public Task Mremap_through_Mono_posix() => new HermeticAnalyzerTest<LibcArgumentAnalyzer>("""
        using System;
        using Mono.Unix.Native;

        class C
        {
            void M(IntPtr p)
            {
                Syscall.mremap(p, 4096, 8192, {|#0:0|});
                Syscall.mremap(p, 4096, 8192, MremapFlags.MREMAP_MAYMOVE);
            }
        }
        """).WithMonoPosix().Expect(At(0, MremapFlagsRule.WithoutMayMove, "are", "0", MmapMessages.EinvalMremapWithoutMayMove)).RunAsync();

    /// <summary>dotnet/runtime's shims (SystemNative_MProtect, SystemNative_MAdvise) are not libc's functions.</summary>
    [Fact]
    public Task The_pal_shims_stay_silent() => new HermeticAnalyzerTest<LibcArgumentAnalyzer>("""
        using System;
        using System.Runtime.InteropServices;

        internal static partial class Interop
        {
            internal static partial class Sys
            {
                [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_MProtect", SetLastError = true)]
                internal static partial int {|CS8795:MProtect|}(IntPtr addr, ulong len, int prot);

                [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_MAdvise", SetLastError = true)]
                internal static partial int {|CS8795:MAdvise|}(IntPtr addr, ulong len, int advice);
            }
        }

        class C
        {
            void M(IntPtr p)
            {
                Interop.Sys.MProtect(p, 4096, 4);
                Interop.Sys.MAdvise(p, 4096, 4);
            }
        }
        """).RunAsync();
}

/// <summary>The MMAP013 code fix: MREMAP_MAYMOVE added in the call's own spelling, Fix All, and code that compiles with no warning.</summary>
public class MremapMayMoveCodeFixTests
{
    [Fact]
    public Task MAYMOVE_is_added_by_name_or_number() => new HermeticCodeFixTest<LibcArgumentAnalyzer, CheckedMmap.CodeFixes.MremapMayMoveCodeFix>("""
        using System;
        using System.Runtime.InteropServices;
        using static Native;

        static class Native
        {
            public const int MREMAP_MAYMOVE = 1, MREMAP_DONTUNMAP = 4;
            [DllImport("libc")] public static extern IntPtr mmap(IntPtr addr, UIntPtr length, int prot, int flags, int fd, IntPtr offset);
            [DllImport("libc")] public static extern IntPtr mremap(IntPtr oldAddress, UIntPtr oldSize, UIntPtr newSize, int flags);
        }

        static class Bare
        {
            [DllImport("libc")] static extern nint mremap(nint oldAddress, nuint oldSize, nuint newSize, int flags);

            static void M(nint p, bool condition)
            {
                mremap(p, 4096, 8192, {|MMAP013:0|});
                mremap(p, 4096, 8192, {|MMAP013:condition ? 1 : 0|});
            }
        }

        static class Named
        {
            static void M(IntPtr p, int flags)
            {
                mremap(p, (UIntPtr)4096, (UIntPtr)8192, {|MMAP013:0|});
            }
        }
        """, """
        using System;
        using System.Runtime.InteropServices;
        using static Native;

        static class Native
        {
            public const int MREMAP_MAYMOVE = 1, MREMAP_DONTUNMAP = 4;
            [DllImport("libc")] public static extern IntPtr mmap(IntPtr addr, UIntPtr length, int prot, int flags, int fd, IntPtr offset);
            [DllImport("libc")] public static extern IntPtr mremap(IntPtr oldAddress, UIntPtr oldSize, UIntPtr newSize, int flags);
        }

        static class Bare
        {
            [DllImport("libc")] static extern nint mremap(nint oldAddress, nuint oldSize, nuint newSize, int flags);

            static void M(nint p, bool condition)
            {
                mremap(p, 4096, 8192, MREMAP_MAYMOVE);
                mremap(p, 4096, 8192, (condition ? 1 : 0) | MREMAP_MAYMOVE);
            }
        }

        static class Named
        {
            static void M(IntPtr p, int flags)
            {
                mremap(p, (UIntPtr)4096, (UIntPtr)8192, MREMAP_MAYMOVE);
            }
        }
        """).RunAsync();

    [Fact]
    public Task MAYMOVE_of_a_flags_enum() => new HermeticCodeFixTest<LibcArgumentAnalyzer, CheckedMmap.CodeFixes.MremapMayMoveCodeFix>("""
        using System;
        using Mono.Unix.Native;

        class C
        {
            void M(IntPtr p) => Syscall.mremap(p, 4096, 8192, {|MMAP013:0|});
        }
        """, """
        using System;
        using Mono.Unix.Native;

        class C
        {
            void M(IntPtr p) => Syscall.mremap(p, 4096, 8192, MremapFlags.MREMAP_MAYMOVE);
        }
        """).WithMonoPosix().RunAsync();

    [Fact]
    public Task MAYMOVE_of_an_authors_enum_by_its_own_name_or_cast() => new HermeticCodeFixTest<LibcArgumentAnalyzer, CheckedMmap.CodeFixes.MremapMayMoveCodeFix>("""
        using System;
        using System.Runtime.InteropServices;

        [Flags] enum MremapFlags { None = 0, MayMove = 1, Fixed = 2 }
        [Flags] enum RemapOptions : ulong { None = 0, All = ulong.MaxValue }

        static class Sys
        {
            [DllImport("libc", EntryPoint = "mremap")] public static extern nint Remap(nint oldAddress, nuint oldSize, nuint newSize, MremapFlags flags);
            [DllImport("libc", EntryPoint = "mremap")] public static extern nint Resize(nint oldAddress, nuint oldSize, nuint newSize, RemapOptions flags);

            static void M(nint p)
            {
                Remap(p, 4096, 8192, {|MMAP013:MremapFlags.None|});
                Resize(p, 4096, 8192, {|MMAP013:0|});
            }
        }
        """, """
        using System;
        using System.Runtime.InteropServices;

        [Flags] enum MremapFlags { None = 0, MayMove = 1, Fixed = 2 }
        [Flags] enum RemapOptions : ulong { None = 0, All = ulong.MaxValue }

        static class Sys
        {
            [DllImport("libc", EntryPoint = "mremap")] public static extern nint Remap(nint oldAddress, nuint oldSize, nuint newSize, MremapFlags flags);
            [DllImport("libc", EntryPoint = "mremap")] public static extern nint Resize(nint oldAddress, nuint oldSize, nuint newSize, RemapOptions flags);

            static void M(nint p)
            {
                Remap(p, 4096, 8192, MremapFlags.MayMove);
                Resize(p, 4096, 8192, (RemapOptions)1);
            }
        }
        """).RunAsync();
}
