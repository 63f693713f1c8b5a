using System.Threading.Tasks;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>
/// Bindings whose method name does not contain "mmap": the entry point alone makes them mmap
/// (a binding is mmap when its entry point — the EntryPoint argument, else the method name — is mmap or mmap64).
/// </summary>
public class RenamedBindingTests
{
    [Fact]
    public Task Renamed_DllImport_is_mmap_called_unqualified_and_qualified() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        static class Native
        {
            [DllImport("libc", EntryPoint = "mmap", SetLastError = true)]
            internal static extern IntPtr Map(IntPtr address, UIntPtr length, int prot, int flags, int fd, IntPtr offset);

            static void M()
            {
                Map(IntPtr.Zero, (UIntPtr)4096, 3, {|MMAP002:0x21|}, -1, IntPtr.Zero);
                Map(IntPtr.Zero, (UIntPtr)4096, 3, 0x22, -1, IntPtr.Zero);
            }
        }

        class User
        {
            void M() => Native.Map(IntPtr.Zero, (UIntPtr)4096, {|MMAP004:7|}, 0x22, -1, IntPtr.Zero);
        }
        """).RunAsync();

    [Fact]
    public Task Renamed_LibraryImport_mmap64_is_mmap_through_using_static_and_named_arguments() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        static partial class Interop
        {
            [LibraryImport("libc", EntryPoint = "mmap64", SetLastError = true)]
            internal static partial nint {|CS8795:Allocate|}(nint addr, nuint length, int prot, int flags, int fd, long offset);
        }
        """).WithSource("""
        using static Interop;

        class User
        {
            void M()
            {
                Allocate({|MMAP006:offset: 4096|}, fd: -1, flags: 0x22, prot: 3, length: 4096, addr: 0);
                Allocate(0, 4096, 3, 0x22, -1, 0);
            }
        }
        """).RunAsync();

    [Fact]
    public Task Entry_point_given_through_a_const_declared_in_another_file_is_mmap() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        static class Posix
        {
            [DllImport(Names.Library, EntryPoint = Names.Map)]
            static extern IntPtr Reserve(IntPtr address, ulong length, int prot, int flags, int fd, long offset);

            static void M() => Reserve(IntPtr.Zero, 4096, {|MMAP004:0|}, 0x22, -1, 0);
        }
        """).WithSource("""
        static class Names
        {
            public const string Library = "libc";
            public const string Map = "m" + "map";
        }
        """).RunAsync();

    [Fact]
    public Task Renamed_bindings_with_another_entry_point_are_not_mmap() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        static class NotMmap
        {
            private const string Unmap = "munmap";

            [DllImport("libc", EntryPoint = "munmap")]
            static extern IntPtr Release(IntPtr address, ulong length, int prot, int flags, int fd, long offset);

            [DllImport("libSystem.Native", EntryPoint = "SystemNative_MMap")]
            static extern IntPtr Map(IntPtr address, ulong length, int prot, int flags, int fd, long offset);

            [DllImport("libc", EntryPoint = Unmap)]
            static extern IntPtr Drop(IntPtr address, ulong length, int prot, int flags, int fd, long offset);

            static void M()
            {
                Release(IntPtr.Zero, 4096, 7, 0x11, 3, 4096);
                Map(IntPtr.Zero, 4096, 7, 0x11, 3, 4096);
                Drop(IntPtr.Zero, 4096, 7, 0x11, 3, 4096);
            }
        }
        """).RunAsync();

    [Fact]
    public Task Wrapper_of_a_renamed_binding_is_judged_at_its_call_sites() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        static class Memory
        {
            [DllImport("libc", EntryPoint = "mmap")]
            static extern IntPtr Map(IntPtr address, UIntPtr length, int prot, int flags, int fd, IntPtr offset);

            public static IntPtr Reserve(UIntPtr length, int prot) => Map(IntPtr.Zero, length, prot, 0x22, -1, IntPtr.Zero);
        }

        class User
        {
            void M()
            {
                Memory.Reserve((UIntPtr)4096, {|MMAP004:0|});
                Memory.Reserve((UIntPtr)4096, 3);
            }
        }
        """).RunAsync();

    // The callers below never say "mmap": only the referenced assembly's P/Invoke table names Map as mmap.
    [Fact]
    public Task Renamed_DllImport_in_a_referenced_assembly_is_mmap() => new MmapAnalyzerTest("""
        using System;
        using Interop;

        class User
        {
            void M()
            {
                Native.Map(IntPtr.Zero, 4096, 3, {|MMAP002:0x21|}, -1, 0);
                Native.Map(IntPtr.Zero, 4096, 3, 0x22, -1, 0);
                Native.Unmap(IntPtr.Zero, 4096);
            }
        }
        """)
    {
        TestState = { AdditionalReferences = { MetadataLibrary.Compile("RenamedDllImport", """
            using System;
            using System.Runtime.InteropServices;
            namespace Interop
            {
                public static class Native
                {
                    [DllImport("libc", EntryPoint = "mmap", SetLastError = true)]
                    public static extern IntPtr Map(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);

                    [DllImport("libc", EntryPoint = "munmap", SetLastError = true)]
                    public static extern int Unmap(IntPtr addr, nuint length);
                }
            }
            """) } },
    }.RunAsync();

    [Fact]
    public Task Renamed_LibraryImport_stub_in_a_referenced_assembly_is_mmap() => new MmapAnalyzerTest("""
        using Interop;

        class User
        {
            void M()
            {
                Native.Reserve(0, 4096, {|MMAP004:7|}, 0x22, -1, 0);
                Native.Reserve(0, 4096, 3, 0x22, -1, 0);
            }
        }
        """)
    {
        TestState = { AdditionalReferences = { MetadataLibrary.Compile("RenamedLibraryImport", """
            using System.Runtime.InteropServices;
            namespace Interop
            {
                public static unsafe partial class Native
                {
                    // What the LibraryImport generator leaves in the assembly: the stub keeps the attribute, and the
                    // P/Invoke is a local function (metadata name <Reserve>g____PInvoke|n_m).
                    [LibraryImport("libc", EntryPoint = "mmap64", SetLastError = true)]
                    public static partial nint Reserve(nint addr, nuint length, int prot, int flags, int fd, long offset);

                    public static partial nint Reserve(nint addr, nuint length, int prot, int flags, int fd, long offset)
                    {
                        Marshal.SetLastSystemError(0);
                        return __PInvoke(addr, length, prot, flags, fd, offset);

                        [DllImport("libc", EntryPoint = "mmap64", ExactSpelling = true)]
                        static extern nint __PInvoke(nint addr, nuint length, int prot, int flags, int fd, long offset);
                    }
                }
            }
            """) } },
    }.RunAsync();

    [Fact]
    public Task A_referenced_P_Invoke_with_another_entry_point_is_not_mmap() => new MmapAnalyzerTest("""
        using System;
        using Interop;

        class User
        {
            void M() => Native.Map(IntPtr.Zero, 4096, 7, 0x11, 3, 4096);
        }
        """)
    {
        TestState = { AdditionalReferences = { MetadataLibrary.Compile("OtherEntryPoint", """
            using System;
            using System.Runtime.InteropServices;
            namespace Interop
            {
                public static class Native
                {
                    [DllImport("libc", EntryPoint = "mremap")]
                    public static extern IntPtr Map(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);
                }
            }
            """) } },
    }.RunAsync();

    [Fact]
    public Task Renamed_local_function_P_Invoke_is_mmap() => new MmapAnalyzerTest("""
        using System;
        using System.Runtime.InteropServices;

        class Pages
        {
            IntPtr Take(nuint length)
            {
                return Map(IntPtr.Zero, length, 3, {|MMAP002:0x21|}, -1, 0);

                [DllImport("libc", EntryPoint = "mmap")]
                static extern IntPtr Map(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);
            }
        }
        """).RunAsync();

    [Fact]
    public Task Renamed_binding_whose_attribute_is_spelled_through_a_using_alias_is_mmap() => new MmapAnalyzerTest("""
        using System;
        using Import = System.Runtime.InteropServices.DllImportAttribute;

        static class Native
        {
            [Import("libc", EntryPoint = "mmap")]
            public static extern IntPtr Map(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);
        }

        class User
        {
            void M() => Native.Map(IntPtr.Zero, 4096, {|MMAP004:7|}, 0x22, -1, 0);
        }
        """).RunAsync();
}
