using System.Threading.Tasks;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>Wrappers one level deep. The P/Invoke sees only parameters; the wrapper's call site is judged.</summary>
public class WrapperTests
{
    [Fact]
    public Task Ryujinx_style_wrapper_is_judged_at_its_call_sites() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        [Flags] enum MmapProts : uint { PROT_NONE = 0, PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4 }
        [Flags] enum MmapFlags : uint { MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_ANONYMOUS = 4, MAP_NORESERVE = 8, MAP_FIXED = 16 }

        static class MemoryManagementUnix
        {
            [DllImport("libc", EntryPoint = "mmap", SetLastError = true)]
            private static extern IntPtr Internal_mmap(IntPtr address, ulong length, MmapProts prot, int flags, int fd, long offset);

            // Ryujinx's abstract flags (MAP_ANONYMOUS = 4) are translated by a helper, which is run on each call's flags:
            // this one turns every non-anonymous request into plain MAP_PRIVATE.
            public static IntPtr Mmap(IntPtr address, ulong length, MmapProts prot, MmapFlags flags, int fd, long offset)
                => Internal_mmap(address, length, prot, MmapFlagsToSystemFlags(flags), fd, offset);

            private static int MmapFlagsToSystemFlags(MmapFlags flags) => flags.HasFlag(MmapFlags.MAP_ANONYMOUS) ? 0x22 : 0x02;

            public static IntPtr Reserve(ulong size) =>
                Mmap(IntPtr.Zero, size, {|MMAP004:MmapProts.PROT_NONE|}, MmapFlags.MAP_PRIVATE | MmapFlags.MAP_ANONYMOUS | MmapFlags.MAP_NORESERVE, -1, 0);

            public static IntPtr Allocate(ulong size) =>
                Mmap(IntPtr.Zero, size, MmapProts.PROT_READ | MmapProts.PROT_WRITE, MmapFlags.MAP_PRIVATE | MmapFlags.MAP_ANONYMOUS, -1, 0);

            public static IntPtr MapView(int fd, long offset) =>
                Mmap(IntPtr.Zero, 4096, MmapProts.PROT_READ | MmapProts.PROT_WRITE, {|MMAP005:MmapFlags.MAP_SHARED|}, fd, offset);

            public static IntPtr MapFile() =>
                Mmap(IntPtr.Zero, {|MMAP007:0|}, MmapProts.PROT_READ | MmapProts.PROT_WRITE, MmapFlags.MAP_SHARED, {|MMAP003:3|}, {|MMAP006:4096|});
        }
        """).RunAsync();

    [Fact]
    public Task RavenDB_style_per_os_wrapper_is_judged_at_its_call_sites() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        [Flags] enum MProtFlags { PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4 }
        [Flags] enum MmapFlags { MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20 }

        static class Syscall
        {
            private const string LIBC_6 = "libc";

            [DllImport(LIBC_6, EntryPoint = "mmap64", SetLastError = true)]
            private static extern IntPtr mmap64_posix(IntPtr start, UIntPtr length, MProtFlags prot, MmapFlags flags, int fd, long offset);

            [DllImport(LIBC_6, EntryPoint = "mmap", SetLastError = true)]
            private static extern IntPtr mmap64_mac(IntPtr start, UIntPtr length, MProtFlags prot, MmapFlags flags, int fd, long offset);

            public static IntPtr mmap64(IntPtr start, UIntPtr length, MProtFlags prot, MmapFlags flags, int fd, long offset)
            {
                if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX))
                    return mmap64_mac(start, length, prot, flags, fd, offset);
                return mmap64_posix(start, length, prot, flags, fd, offset);
            }
        }

        class Pager
        {
            IntPtr Map(int fd, UIntPtr size) => Syscall.mmap64(IntPtr.Zero, size, MProtFlags.PROT_READ | MProtFlags.PROT_WRITE, {|MMAP002:MmapFlags.MAP_SHARED|}, fd, 0);
            IntPtr Scratch(UIntPtr size) => Syscall.mmap64(IntPtr.Zero, size, MProtFlags.PROT_READ | MProtFlags.PROT_WRITE, MmapFlags.MAP_PRIVATE | MmapFlags.MAP_ANONYMOUS, -1, 0);
        }
        """).RunAsync();

    [Fact]
    public Task A_method_that_fixes_the_arguments_itself_is_not_a_wrapper_for_them() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        static class Arena
        {
            [DllImport("libc")] static extern IntPtr mmap(IntPtr a, nuint l, int p, int f, int fd, long o);

            // Only the length is passed through; prot, flags, fd and offset are the wrapper's own good constants.
            public static IntPtr MmapAnonymous(nuint length, int ignored) => mmap(IntPtr.Zero, length, 3, 0x22, -1, 0);

            static void Use()
            {
                MmapAnonymous(4096, 7);
                MmapAnonymous({|MMAP007:0|}, 0x21);
            }
        }
        """).RunAsync();

    [Fact]
    public Task A_parameter_the_wrapper_writes_holds_what_it_stored_not_what_its_caller_passed() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        static class Sanitizing
        {
            const int PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4, MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20;

            [DllImport("libc")] static extern IntPtr mmap(IntPtr a, nuint l, int p, int f, int fd, long o);

            static IntPtr Replaced(nuint size, int flags)
            {
                flags = MAP_PRIVATE | MAP_ANONYMOUS;
                return mmap(IntPtr.Zero, size, PROT_READ | PROT_WRITE, flags, -1, 0);
            }

            static IntPtr Masked(nuint size, int prot, int flags)
            {
                prot &= PROT_READ | PROT_WRITE;
                flags &= ~(MAP_SHARED | MAP_FIXED);
                flags |= MAP_PRIVATE | MAP_ANONYMOUS;
                return mmap(IntPtr.Zero, size, prot, flags | 0, -1, 0);
            }

            static IntPtr PartlyMasked(nuint size, int prot, int flags)
            {
                Clamp(ref prot);
                return mmap(IntPtr.Zero, size, prot, flags, -1, 0);
            }

            static void Clamp(ref int prot) => prot &= PROT_READ | PROT_WRITE;

            static void Use()
            {
                Replaced(4096, MAP_SHARED);
                Masked(4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_SHARED | MAP_FIXED);
                PartlyMasked(4096, PROT_EXEC | PROT_READ, {|MMAP002:MAP_SHARED|});
            }
        }
        """).RunAsync();

    [Fact]
    public Task A_call_site_a_guard_of_the_wrapper_turns_away_is_not_judged() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        static class Guarded
        {
            const int MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20;

            [DllImport("libc")] static extern IntPtr mmap(IntPtr a, nuint l, int p, int f, int fd, long o);

            static IntPtr Map(nuint size, int flags)
            {
                if ((flags & MAP_FIXED) != 0) throw new ArgumentException("no MAP_FIXED", nameof(flags));
                if (size == 0)
                {
                    return IntPtr.Zero;
                }

                unsafe
                {
                    return mmap(IntPtr.Zero, size, 3, flags, -1, 0);
                }
            }

            static IntPtr Jumped(nuint size, int flags, bool again)
            {
                if ((flags & MAP_FIXED) != 0) return IntPtr.Zero;
                retry:
                IntPtr p = mmap(IntPtr.Zero, size, 3, flags, -1, 0);
                if (again) { again = false; goto retry; }
                return p;
            }

            // The guard stands before one of two mmap calls: it says nothing of the other.
            static IntPtr Either(nuint size, int flags, bool huge)
            {
                if (huge)
                {
                    if ((flags & MAP_FIXED) != 0) throw new ArgumentException("no MAP_FIXED", nameof(flags));
                    return mmap(IntPtr.Zero, size / 2 * 2, 3, flags, -1, 0);
                }

                return mmap(IntPtr.Zero, size, 3, flags, -1, 0);
            }

            static IntPtr Ternary(nuint n, int f) => (f & MAP_FIXED) != 0 ? IntPtr.Zero : mmap(IntPtr.Zero, n, 3, f, -1, 0);

            static IntPtr Inside(nuint n, int f)
            {
                if ((f & MAP_FIXED) == 0)
                {
                    return mmap(IntPtr.Zero, n, 3, f, -1, 0);
                }

                return IntPtr.Zero;
            }

            static IntPtr Else(nuint n, int f)
            {
                if ((f & MAP_FIXED) != 0) return IntPtr.Zero;
                else return mmap(IntPtr.Zero, n, 3, f, -1, 0);
            }

            static IntPtr Both(nuint n, int f) => n > 0 && (f & MAP_SHARED) == 0 ? mmap(IntPtr.Zero, n, 3, f, -1, 0) : IntPtr.Zero;

            // Wrappers of a guarded wrapper: its guard applies with what they pass, and so does their own.
            static IntPtr Outer(nuint size, int flags) => Map(size, flags);

            static IntPtr Checked(nuint size, int extra)
            {
                if (extra != 0) throw new ArgumentException("no extra flags", nameof(extra));
                return Ternary(size, MAP_PRIVATE | MAP_ANONYMOUS | extra);
            }

            static void Use(bool fixedToo)
            {
                Either(4096, {|MMAP001:MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED|}, false);
                Ternary(4096, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
                Inside(4096, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
                Else(4096, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
                Both(4096, MAP_SHARED | MAP_ANONYMOUS);
                Both(4096, {|MMAP005:MAP_PRIVATE|});
                Outer(4096, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
                Outer(4096, {|MMAP002:MAP_SHARED|});
                Checked(4096, MAP_FIXED);
                Checked(4096, 0);
                Map(4096, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
                Map(0, MAP_SHARED); // the size guard returns first
                Map(4096, {|MMAP002:MAP_SHARED|});
                Map(4096, {|MMAP001:MAP_PRIVATE | MAP_ANONYMOUS | (fixedToo ? MAP_FIXED : 0)|});
                Jumped(4096, {|MMAP001:MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED|}, false);
            }
        }
        """).RunAsync();

    [Fact]
    public Task Fd_zero_through_a_wrapper_with_anonymous_flags_of_its_own_is_the_classic_bug() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        static class Pages
        {
            [DllImport("libc", SetLastError = true)]
            private static extern IntPtr mmap(IntPtr address, nuint length, int prot, int flags, int fd, long offset);

            public static IntPtr Map(nuint size, int fd) => mmap(IntPtr.Zero, size, 3, 0x22, fd, 0);

            static void Use()
            {
                Map(4096, {|#0:0|});
                Map(4096, {|#1:5|});
                Map(4096, -1);
            }
        }
        """).Expect(
            Verify.Diagnostic(CheckedMmap.Analyzers.Rules.FileBackedRule.ZeroWithAnonymous).WithLocation(0).WithArguments("is", "CheckedMmap does not support file-backed memory mappings"),
            Verify.Diagnostic(CheckedMmap.Analyzers.Rules.FileBackedRule.Descriptor).WithLocation(1).WithArguments("is", "5", "CheckedMmap does not support file-backed memory mappings")).RunAsync();

    [Fact]
    public Task In_and_ref_readonly_parameters_are_read_as_passed_and_ref_parameters_are_not() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        static class Pages
        {
            [DllImport("libc", SetLastError = true)]
            private static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

            public static IntPtr Map(in nuint size, in int flags) => mmap(IntPtr.Zero, size, 3, flags, -1, 0);

            public static IntPtr MapAnonymous(ref readonly int flags) => mmap(IntPtr.Zero, 4096, 3, flags | 0x20, -1, 0);

            // The wrapper may store into a ref parameter before mmap reads it: what the caller passed says nothing.
            public static IntPtr MapRef(ref int flags) { flags = 0x22; return mmap(IntPtr.Zero, 4096, 3, flags, -1, 0); }

            static void Use()
            {
                int shared = 0x01;
                Map(4096, {|MMAP002:0x21|});
                Map({|MMAP007:0|}, 0x22);
                Map(4096, 0x22);
                MapAnonymous({|MMAP002:in shared|});
                int request = 0x01;
                MapRef(ref request);
            }
        }
        """).RunAsync();
}
