using System.Threading.Tasks;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using CheckedMmap.CodeFixes;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

public class CodeFixTests
{
    private const string Header = """
        using System;
        using System.Runtime.InteropServices;
        using static Libc;

        static class Libc
        {
            public const int PROT_NONE = 0, PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
            public const int MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20;
            [DllImport("libc")] public static extern IntPtr mmap(IntPtr addr, UIntPtr length, int prot, int flags, int fd, IntPtr offset);
            [DllImport("libc", EntryPoint = "mmap")] public static extern nint mmapN(nint addr, nuint length, int prot, int flags, nint fd, long offset);
        }

        """;

    [Fact]
    public Task Fd_becomes_minus_one_for_int_and_nint() => MmapCodeFixTest<FileDescriptorCodeFix>.VerifyAsync(Header + """
        class C
        {
            void M()
            {
                Libc.mmap(IntPtr.Zero, (UIntPtr)4096, 3, 0x22, {|MMAP003:0|}, IntPtr.Zero);
                Libc.mmapN(0, 4096, 3, 0x22, {|MMAP003:7|}, 0);
            }
        }
        """, Header + """
        class C
        {
            void M()
            {
                Libc.mmap(IntPtr.Zero, (UIntPtr)4096, 3, 0x22, -1, IntPtr.Zero);
                Libc.mmapN(0, 4096, 3, 0x22, -1, 0);
            }
        }
        """);

    [Fact]
    public Task An_argument_written_in_checked_or_unchecked_is_fixed_whole() => MmapCodeFixTest<FileDescriptorCodeFix>.VerifyAsync(Header + """
        class C
        {
            void M()
            {
                Libc.mmap(IntPtr.Zero, (UIntPtr)4096, 3, 0x22, {|MMAP003:checked(3)|}, IntPtr.Zero);
                Libc.mmapN(0, 4096, 3, 0x22, {|MMAP003:unchecked((nint)7)|}, 0);
            }
        }
        """, Header + """
        class C
        {
            void M()
            {
                Libc.mmap(IntPtr.Zero, (UIntPtr)4096, 3, 0x22, -1, IntPtr.Zero);
                Libc.mmapN(0, 4096, 3, 0x22, -1, 0);
            }
        }
        """);

    [Fact]
    public Task No_minus_one_is_offered_where_the_flags_may_lack_map_anonymous()
    {
        // Without MAP_ANONYMOUS, fd -1 makes mmap fail with EBADF: the fix would trade a file mapping for a call that
        // always fails.
        const string Source = Header + """
            class C
            {
                void M(int flags, bool anonymous)
                {
                    Libc.mmap(IntPtr.Zero, (UIntPtr)4096, 3, MAP_PRIVATE, {|MMAP003:7|}, IntPtr.Zero);
                    Libc.mmap(IntPtr.Zero, (UIntPtr)4096, 3, flags, {|MMAP003:7|}, IntPtr.Zero);
                    Libc.mmap(IntPtr.Zero, (UIntPtr)4096, 3, anonymous ? 0x22 : 0x02, {|MMAP003:7|}, IntPtr.Zero);
                }
            }
            """;
        return MmapCodeFixTest<FileDescriptorCodeFix>.VerifyAsync(Source, Source);
    }

    private const string OpenHeader = Header + """
        static class Files
        {
            [DllImport("libc")] public static extern int open(string path, int flags, int mode);
            [DllImport("libc")] public static extern int ftruncate(int fd, long length);
        }

        """;

    [Fact]
    public Task A_descriptor_from_open_that_is_read_again_keeps_its_open_and_the_argument_is_fixed() => MmapCodeFixTest<FileDescriptorCodeFix>.VerifyAsync(OpenHeader + """
        class C
        {
            nint M(string path)
            {
                int fd = Files.open(path, 2, 0);
                if (fd < 0) return 0;
                Files.ftruncate(fd, 4096);
                return Libc.mmapN(0, 4096, 3, 0x22, {|MMAP003:fd|}, 0);
            }
        }
        """, OpenHeader + """
        class C
        {
            nint M(string path)
            {
                int fd = Files.open(path, 2, 0);
                if (fd < 0) return 0;
                Files.ftruncate(fd, 4096);
                return Libc.mmapN(0, 4096, 3, 0x22, -1, 0);
            }
        }
        """);

    [Fact]
    public Task A_descriptor_from_a_call_read_only_by_mmap_keeps_the_call() => MmapCodeFixTest<FileDescriptorCodeFix>.VerifyAsync(OpenHeader + """
        class C
        {
            nint M(string path)
            {
                int fd = Files.open(path, 2, 0);
                return Libc.mmapN(0, 4096, 3, 0x22, {|MMAP003:fd|}, 0);
            }
        }
        """, OpenHeader + """
        class C
        {
            nint M(string path)
            {
                int fd = Files.open(path, 2, 0);
                return Libc.mmapN(0, 4096, 3, 0x22, -1, 0);
            }
        }
        """);

    private const string AccessWrapper = Header + """
        enum Access { None, Read, ReadWrite, ReadWriteExecute }

        static class Memory
        {
            public static nint Reserve(nuint size, Access access) => Libc.mmapN(0, size, ToProt(access), 0x22, -1, 0);

            static int ToProt(Access access)
            {
                switch (access)
                {
                    case Access.None: return PROT_NONE;
                    case Access.Read: return PROT_READ;
                    case Access.ReadWrite: return PROT_READ | PROT_WRITE;
                    default: return PROT_READ | PROT_WRITE | PROT_EXEC;
                }
            }

            public static nint Map(nuint size, int prot) => Libc.mmapN(0, size, prot, 0x22, -1, 0);
        }

        """;

    [Fact]
    public Task No_protection_fix_through_a_wrapper_that_converts_its_own_enum()
    {
        const string Source = AccessWrapper + """
        class C
        {
            nint M() => Memory.Reserve(4096, {|MMAP004:Access.None|});
        }
        """;
        return MmapCodeFixTest<ProtectionCodeFix>.VerifyAsync(Source, Source);
    }

    [Fact]
    public Task A_protection_passed_straight_through_a_wrapper_is_fixed() => MmapCodeFixTest<ProtectionCodeFix>.VerifyAsync(AccessWrapper + """
        class C
        {
            nint M() => Memory.Map(4096, {|MMAP004:PROT_READ | PROT_WRITE | PROT_EXEC|});
        }
        """, AccessWrapper + """
        class C
        {
            nint M() => Memory.Map(4096, PROT_READ | PROT_WRITE);
        }
        """);

    private const string PrimaryConstructorWrapper = Header + """
        class Region(nuint size, int prot)
        {
            public readonly nint Address = Libc.mmapN(0, size, prot, 0x22, -1, 0);

            // Runs later, not at construction: no wrapper for its parameters.
            public nint Again() => Libc.mmapN(0, size, prot, 0x22, -1, 0);
        }

        """;

    [Fact]
    public Task A_protection_passed_straight_through_a_constructor_is_fixed_at_creations_and_bases() => MmapCodeFixTest<ProtectionCodeFix>.VerifyAsync(PrimaryConstructorWrapper + """
        class Code() : Region(4096, {|MMAP004:PROT_READ | PROT_WRITE | PROT_EXEC|})
        {
            static Region Make() => new Region(4096, {|MMAP004:PROT_READ | PROT_EXEC|});
        }
        """, PrimaryConstructorWrapper + """
        class Code() : Region(4096, PROT_READ | PROT_WRITE)
        {
            static Region Make() => new Region(4096, PROT_READ | PROT_WRITE);
        }
        """);

    [Fact]
    public Task A_local_is_fixed_where_it_is_defined_or_last_assigned() => MmapCodeFixTest<FileDescriptorCodeFix>.VerifyAsync(Header + """
        class C
        {
            nint M()
            {
                int fd = 5;
                nint first = Libc.mmapN(0, 4096, 3, 0x22, {|MMAP003:fd|}, 0);
                int other = 0;
                other = 7;
                return first + Libc.mmapN(0, 4096, 3, 0x22, {|MMAP003:other|}, 0);
            }
        }
        """, Header + """
        class C
        {
            nint M()
            {
                int fd = -1;
                nint first = Libc.mmapN(0, 4096, 3, 0x22, fd, 0);
                int other = 0;
                other = -1;
                return first + Libc.mmapN(0, 4096, 3, 0x22, other, 0);
            }
        }
        """);

    [Fact]
    public Task A_protection_local_keeps_named_constants_and_a_readonly_offset_field_its_initializer() => MmapCodeFixTest<ProtectionCodeFix>.VerifyAsync(Header + """
        class C
        {
            nint M()
            {
                int prot = PROT_READ | PROT_EXEC;
                return Libc.mmapN(0, 4096, {|MMAP004:prot|}, 0x22, -1, 0);
            }
        }
        """, Header + """
        class C
        {
            nint M()
            {
                int prot = PROT_READ | PROT_WRITE;
                return Libc.mmapN(0, 4096, prot, 0x22, -1, 0);
            }
        }
        """);

    [Fact]
    public Task A_hex_protection_stays_hex() => MmapCodeFixTest<ProtectionCodeFix>.VerifyAsync("""
        using System.Runtime.InteropServices;
        static class L
        {
            [DllImport("libc")] static extern nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);
            static nint M()
            {
                int prot = 0x1 | 0x4;
                return mmap(0, 4096, {|MMAP004:prot|}, 0x22, -1, 0);
            }
        }
        """, """
        using System.Runtime.InteropServices;
        static class L
        {
            [DllImport("libc")] static extern nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);
            static nint M()
            {
                int prot = 0x3;
                return mmap(0, 4096, prot, 0x22, -1, 0);
            }
        }
        """);

    [Fact]
    public Task A_readonly_offset_field_is_fixed_at_its_initializer() => MmapCodeFixTest<OffsetCodeFix>.VerifyAsync(Header + """
        class C
        {
            static readonly long Offset = 8192;
            nint M() => Libc.mmapN(0, 4096, 3, 0x22, -1, {|MMAP006:Offset|});
        }
        """, Header + """
        class C
        {
            static readonly long Offset = 0;
            nint M() => Libc.mmapN(0, 4096, 3, 0x22, -1, Offset);
        }
        """);

    [Theory]
    [InlineData("private const int PageBytes = 4096;", "2 * PageBytes")]
    [InlineData("private const int PageBytes = 4096; static int Round(int n) => (n + PageBytes - 1) & ~(PageBytes - 1);", "4096")]
    [InlineData("internal const int PageBytes = 4096;", "4096")]
    public Task A_field_read_elsewhere_keeps_its_value_and_the_argument_is_fixed(string field, string length) => MmapCodeFixTest<OffsetCodeFix>.VerifyAsync(Header + $$"""
        class C
        {
            {{field}}
            nint M() => Libc.mmapN(0, {{length}}, 3, 0x22, -1, {|MMAP006:PageBytes|});
        }
        """, Header + $$"""
        class C
        {
            {{field}}
            nint M() => Libc.mmapN(0, {{length}}, 3, 0x22, -1, 0);
        }
        """);

    [Fact]
    public Task Fd_of_IntPtr_type_becomes_new_IntPtr_minus_one() => MmapCodeFixTest<FileDescriptorCodeFix>.VerifyAsync("""
        using System;
        using System.Runtime.InteropServices;
        static class L
        {
            [DllImport("libc")] static extern IntPtr mmap(IntPtr addr, UIntPtr length, int prot, int flags, IntPtr fd, UIntPtr offset);
            static void M() => mmap(IntPtr.Zero, (UIntPtr)4096, 3, 0x22, {|MMAP003:IntPtr.Zero|}, UIntPtr.Zero);
        }
        """, """
        using System;
        using System.Runtime.InteropServices;
        static class L
        {
            [DllImport("libc")] static extern IntPtr mmap(IntPtr addr, UIntPtr length, int prot, int flags, IntPtr fd, UIntPtr offset);
            static void M() => mmap(IntPtr.Zero, (UIntPtr)4096, 3, 0x22, new IntPtr(-1), UIntPtr.Zero);
        }
        """);

    [Fact]
    public Task Offset_becomes_zero_spelled_for_its_type() => MmapCodeFixTest<OffsetCodeFix>.VerifyAsync(Header + """
        struct off_t { public long V; public static implicit operator off_t(long v) => new off_t { V = v }; }
        static class T
        {
            [DllImport("libc")] public static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, off_t offset);
        }
        class C
        {
            void M()
            {
                Libc.mmap(IntPtr.Zero, (UIntPtr)4096, 3, 0x22, -1, {|MMAP006:(IntPtr)4096|});
                Libc.mmapN(0, 4096, 3, 0x22, -1, {|MMAP006:8192L|});
                T.mmap(IntPtr.Zero, 4096, 3, 0x22, -1, {|MMAP006:4096L|});
            }
        }
        """, Header + """
        struct off_t { public long V; public static implicit operator off_t(long v) => new off_t { V = v }; }
        static class T
        {
            [DllImport("libc")] public static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, off_t offset);
        }
        class C
        {
            void M()
            {
                Libc.mmap(IntPtr.Zero, (UIntPtr)4096, 3, 0x22, -1, IntPtr.Zero);
                Libc.mmapN(0, 4096, 3, 0x22, -1, 0);
                T.mmap(IntPtr.Zero, 4096, 3, 0x22, -1, default);
            }
        }
        """);

    [Fact]
    public Task Protection_keeps_the_calls_constant_style() => MmapCodeFixTest<ProtectionCodeFix>.VerifyAsync(Header + """
        class C
        {
            void M()
            {
                Libc.mmap(IntPtr.Zero, (UIntPtr)4096, {|MMAP004:Libc.PROT_READ | Libc.PROT_EXEC|}, 0x22, -1, IntPtr.Zero);
                mmap(IntPtr.Zero, (UIntPtr)4096, {|MMAP004:PROT_NONE|}, 0x22, -1, IntPtr.Zero);
                mmap(IntPtr.Zero, (UIntPtr)4096, {|MMAP004:7|}, 0x22, -1, IntPtr.Zero);
            }
        }
        """, Header + """
        class C
        {
            void M()
            {
                Libc.mmap(IntPtr.Zero, (UIntPtr)4096, Libc.PROT_READ | Libc.PROT_WRITE, 0x22, -1, IntPtr.Zero);
                mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, 0x22, -1, IntPtr.Zero);
                mmap(IntPtr.Zero, (UIntPtr)4096, PROT_READ | PROT_WRITE, 0x22, -1, IntPtr.Zero);
            }
        }
        """);

    private const string EnumHeader = """
        using System;
        using System.Runtime.InteropServices;

        [Flags] enum MemoryProtection { None = 0, Read = 1, Write = 2, Execute = 4, ReadWriteExecute = 7 }
        [Flags] enum MmapProts { PROT_NONE = 0, PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4 }
        [Flags] enum Protection { None = 0, Read = 1, Write = 2, ReadWrite = 3, Execute = 4 }

        static class N
        {
            [DllImport("libc")] public static extern IntPtr mmap(IntPtr a, nuint l, int p, int f, int fd, long o);
            [DllImport("libc", EntryPoint = "mmap")] public static extern IntPtr mmapE(IntPtr a, nuint l, MmapProts p, int f, int fd, long o);
            [DllImport("libc", EntryPoint = "mmap")] public static extern IntPtr mmapP(IntPtr a, nuint l, Protection p, int f, int fd, long o);
        }

        """;

    [Fact]
    public Task Protection_in_enum_styles() => MmapCodeFixTest<ProtectionCodeFix>.VerifyAsync(EnumHeader + """
        class C
        {
            void M()
            {
                N.mmap(IntPtr.Zero, 4096, {|MMAP004:(int)MemoryProtection.ReadWriteExecute|}, 0x22, -1, 0);
                N.mmapE(IntPtr.Zero, 4096, {|MMAP004:MmapProts.PROT_READ|}, 0x22, -1, 0);
                N.mmapP(IntPtr.Zero, 4096, {|MMAP004:Protection.None|}, 0x22, -1, 0);
                N.mmapP(IntPtr.Zero, 4096, {|MMAP004:(Protection)7|}, 0x22, -1, 0);
            }
        }
        """, EnumHeader + """
        class C
        {
            void M()
            {
                N.mmap(IntPtr.Zero, 4096, (int)(MemoryProtection.Read | MemoryProtection.Write), 0x22, -1, 0);
                N.mmapE(IntPtr.Zero, 4096, MmapProts.PROT_READ | MmapProts.PROT_WRITE, 0x22, -1, 0);
                N.mmapP(IntPtr.Zero, 4096, Protection.ReadWrite, 0x22, -1, 0);
                N.mmapP(IntPtr.Zero, 4096, Protection.ReadWrite, 0x22, -1, 0);
            }
        }
        """);
}
