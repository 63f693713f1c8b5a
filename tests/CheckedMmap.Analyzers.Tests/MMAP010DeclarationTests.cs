using System.Threading.Tasks;
using CheckedMmap.Analyzers.Functions;
using CheckedMmap.Analyzers.Rules;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>MMAP010: declarations unlike libc's prototypes, and errno read after a binding declared without SetLastError.</summary>
public class MMAP010DeclarationTests
{
    private static DiagnosticResult Type(int marker, string function, string what, string declared, string libc, string why) =>
        new DiagnosticResult(DeclarationRule.Type).WithLocation(marker).WithArguments(function, what, declared, libc, why);

    /// <summary>The errno read, and the binding's import attribute (where the code fix sets SetLastError).</summary>
    private static DiagnosticResult LastError(int marker, int attribute, string read, string binding) =>
        new DiagnosticResult(DeclarationRule.LastError).WithLocation(marker).WithLocation(attribute)
            .WithArguments(read.StartsWith("new ", System.StringComparison.Ordinal) ? read : "Marshal." + read + "()", binding);

    private const string Truncated32 = "on 64-bit the value is truncated to 32 bits";
    private const string Offset31 = "offsets at or above 2^31 cannot be passed, and the upper half of the register is not defined";
    private const string Offset32 = "offsets at or above 2^32 cannot be passed, and the upper half of the register is not defined";
    private const string Garbage = "the 0 / -1 result is read from a register whose upper bits are not defined";

    [Fact]
    public Task Narrow_lengths_offsets_addresses_and_results_are_reported_on_the_type() => new HermeticAnalyzerTest<DeclarationAnalyzer>("""
        using System;
        using System.Runtime.InteropServices;

        static unsafe partial class Bad
        {
            [DllImport("libc", SetLastError = true)]
            static extern IntPtr mmap(IntPtr addr, {|#0:int|} length, int prot, int flags, int fd, {|#1:int|} offset);

            [DllImport("libc", EntryPoint = "mmap64", SetLastError = true)]
            static extern {|#2:uint|} Map({|#3:uint|} addr, nuint length, int prot, int flags, int fd, {|#4:uint|} offset);

            [DllImport("libc", SetLastError = true)]
            static extern {|#5:IntPtr|} munmap(IntPtr addr, UIntPtr length);

            [LibraryImport("libc", EntryPoint = "mprotect", SetLastError = true)]
            private static partial {|#6:long|} {|CS8795:Protect|}(void* addr, nuint length, int prot);

            [DllImport("libc", SetLastError = true)]
            static extern {|#7:void*|} madvise(void* addr, nuint length, int advice);

            [DllImport("libc", SetLastError = true)]
            static extern IntPtr mremap(IntPtr old, {|#8:int|} oldSize, {|#9:int|} newSize, int flags);
        }
        """).Expect(
            Type(0, "mmap", "the length", "int", "size_t (pointer-sized)", Truncated32),
            Type(1, "mmap", "the offset", "int", "off_t (64 bits)", Offset31),
            Type(2, "mmap64", "its result", "uint", "void* (pointer-sized)", Truncated32),
            Type(3, "mmap64", "the address", "uint", "void* (pointer-sized)", Truncated32),
            Type(4, "mmap64", "the offset", "uint", "off_t (64 bits)", Offset32),
            Type(5, "munmap", "its result", "IntPtr", "int", Garbage),
            Type(6, "mprotect", "its result", "long", "int", Garbage),
            Type(7, "madvise", "its result", "void*", "int", Garbage),
            Type(8, "mremap", "the old size", "int", "size_t (pointer-sized)", Truncated32),
            Type(9, "mremap", "the new size", "int", "size_t (pointer-sized)", Truncated32)).RunAsync();

    [Fact]
    public Task A_bool_result_reads_success_as_false_and_a_void_one_reads_nothing() => new HermeticAnalyzerTest<DeclarationAnalyzer>("""
        using System;
        using System.Runtime.InteropServices;

        static class Declared
        {
            [DllImport("libc", SetLastError = true)]
            static extern {|#0:bool|} munmap(IntPtr addr, UIntPtr length);

            [DllImport("libc", EntryPoint = "mprotect", SetLastError = true)]
            static extern void Protect(IntPtr addr, UIntPtr length, int prot);
        }
        """).Expect(
            Type(0, "munmap", "its result", "bool", "int", "a bool result reads zero as false, so success (0) reads as false and failure (-1) as true")).RunAsync();

    [Fact]
    public Task Narrow_addresses_and_lengths_of_munmap_mprotect_and_madvise_are_reported() => new HermeticAnalyzerTest<DeclarationAnalyzer>("""
        using System;
        using System.Runtime.InteropServices;

        static unsafe class Bad
        {
            [DllImport("libc", SetLastError = true)]
            static extern int munmap(IntPtr addr, {|#0:int|} length);

            [DllImport("libc", EntryPoint = "mprotect", SetLastError = true)]
            static extern int Protect({|#1:uint|} addr, nuint length, int prot);

            [DllImport("libc", SetLastError = true)]
            static extern int madvise(void* addr, {|#2:uint|} length, int advice);
        }
        """).Expect(
            Type(0, "munmap", "the length", "int", "size_t (pointer-sized)", Truncated32),
            Type(1, "mprotect", "the address", "uint", "void* (pointer-sized)", Truncated32),
            Type(2, "madvise", "the length", "uint", "size_t (pointer-sized)", Truncated32)).RunAsync();

    [Fact]
    public Task Declarations_that_match_libc_are_fine() => new HermeticAnalyzerTest<DeclarationAnalyzer>("""
        using System;
        using System.Runtime.InteropServices;

        struct size_t { public nuint Value; }

        static unsafe partial class Good
        {
            [DllImport("libc", SetLastError = true)] static extern IntPtr mmap(IntPtr addr, UIntPtr length, int prot, int flags, int fd, IntPtr offset);
            [DllImport("libc", EntryPoint = "mmap", SetLastError = true)] static extern void* Map(void* addr, size_t length, int prot, int flags, int fd, long offset);
            [DllImport("libc", SetLastError = true)] static extern nint mmap64(nint addr, ulong length, int prot, int flags, int fd, ulong offset);
            [DllImport("libc", SetLastError = true)] static extern int munmap(IntPtr addr, UIntPtr length);
            [DllImport("libc", SetLastError = true)] static extern int mprotect(IntPtr addr, UIntPtr length, int prot);
            [LibraryImport("libc", SetLastError = true)] private static partial int {|CS8795:madvise|}(nint addr, nuint length, int advice);
            [DllImport("libc", SetLastError = true)] static extern IntPtr mremap(IntPtr old, nuint oldSize, nuint newSize, int flags);
            // Not libc: the PAL shim's own prototypes.
            [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_MUnmap", SetLastError = true)] private static partial long {|CS8795:MUnmap|}(IntPtr addr, ulong length);
        }
        """).RunAsync();

    [Fact]
    public Task Errno_read_after_a_binding_without_SetLastError_is_reported() => new HermeticAnalyzerTest<DeclarationAnalyzer>("""
        using System;
        using System.Runtime.InteropServices;

        static unsafe partial class Native
        {
            [{|#2:DllImport("libc")|}] static extern IntPtr mmap(IntPtr addr, UIntPtr length, int prot, int flags, int fd, IntPtr offset);
            [DllImport("libc")] static extern int munmap(IntPtr addr, UIntPtr length);
            [{|#3:LibraryImport("libc")|}] private static partial int {|CS8795:mprotect|}(IntPtr addr, UIntPtr length, int prot);
            [DllImport("libc", EntryPoint = "munmap", SetLastError = true)] static extern int Release(IntPtr addr, UIntPtr length);

            static void M()
            {
                int before = Marshal.GetLastWin32Error();
                IntPtr p = mmap(IntPtr.Zero, (UIntPtr)4096, 3, 0x22, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) throw new InvalidOperationException("errno " + {|#0:Marshal.GetLastWin32Error()|});
                if (mprotect(p, (UIntPtr)4096, 3) != 0) throw new InvalidOperationException("errno " + {|#1:Marshal.GetLastPInvokeError()|});
                if (munmap(p, (UIntPtr)4096) != 0) throw new InvalidOperationException("errno " + Marshal.GetLastSystemError());
            }

            static void Fine(IntPtr p)
            {
                if (Release(p, (UIntPtr)4096) != 0) throw new InvalidOperationException("errno " + Marshal.GetLastPInvokeError());
            }
        }
        """).Expect(LastError(0, 2, "GetLastWin32Error", "mmap"), LastError(1, 3, "GetLastPInvokeError", "mprotect")).RunAsync();

    [Fact]
    public Task A_Win32Exception_without_its_own_number_reads_errno_too() => new HermeticAnalyzerTest<DeclarationAnalyzer>("""
        using System;
        using System.ComponentModel;
        using System.Runtime.InteropServices;
        using W32 = System.ComponentModel.Win32Exception;

        static class Native
        {
            [{|#1:DllImport("libc")|}] static extern IntPtr mmap(IntPtr addr, UIntPtr length, int prot, int flags, int fd, IntPtr offset);

            static IntPtr Map()
            {
                IntPtr p = mmap(IntPtr.Zero, (UIntPtr)4096, 3, 0x22, -1, IntPtr.Zero);
                if (p == new IntPtr(-1)) throw {|#0:new Win32Exception()|};
                IntPtr q = mmap(IntPtr.Zero, (UIntPtr)4096, 3, 0x22, -1, IntPtr.Zero);
                if (q == new IntPtr(-1)) throw new Win32Exception(12); // its own number: no errno read
                IntPtr r = mmap(IntPtr.Zero, (UIntPtr)4096, 3, 0x22, -1, IntPtr.Zero);
                if (r == new IntPtr(-1)) throw {|#2:new Win32Exception("mmap failed")|};
                IntPtr s = mmap(IntPtr.Zero, (UIntPtr)4096, 3, 0x22, -1, IntPtr.Zero);
                if (s == new IntPtr(-1)) throw {|#3:new W32("mmap failed", null)|};
                IntPtr t = mmap(IntPtr.Zero, (UIntPtr)4096, 3, 0x22, -1, IntPtr.Zero);
                if (t == new IntPtr(-1)) throw new Win32Exception(12, "mmap failed");
                return p;
            }
        }
        """).Expect(
            LastError(0, 1, "new Win32Exception() (which reads Marshal.GetLastPInvokeError())", "mmap"),
            LastError(2, 1, "new Win32Exception(message) (which reads Marshal.GetLastPInvokeError())", "mmap"),
            LastError(3, 1, "new Win32Exception(message) (which reads Marshal.GetLastPInvokeError())", "mmap")).RunAsync();

    [Fact]
    public Task An_errno_read_after_another_native_call_is_about_that_call() => new HermeticAnalyzerTest<DeclarationAnalyzer>("""
        using System;
        using System.ComponentModel;
        using System.Runtime.InteropServices;

        static class Native
        {
            [DllImport("libc")] static extern int munmap(IntPtr addr, UIntPtr length);
            [DllImport("libc", SetLastError = true)] static extern int close(int fd);
            [{|#1:DllImport("libc")|}] static extern IntPtr mmap(IntPtr addr, UIntPtr length, int prot, int flags, int fd, IntPtr offset);

            static void Release(IntPtr p, int fd)
            {
                int r = munmap(p, (UIntPtr)4096);
                if (close(fd) != 0) throw new Win32Exception(Marshal.GetLastPInvokeError());
                IntPtr q = mmap(IntPtr.Zero, (UIntPtr)4096, 3, 0x22, -1, IntPtr.Zero);
                Console.WriteLine(q);
                if (q == new IntPtr(-1)) throw new Win32Exception({|#0:Marshal.GetLastPInvokeError()|});
            }
        }
        """).Expect(LastError(0, 1, "GetLastPInvokeError", "mmap")).RunAsync();

    [Fact]
    public Task Errno_read_is_judged_by_the_last_binding_call_that_ended_before_it() => new HermeticAnalyzerTest<DeclarationAnalyzer>("""
        using System;
        using System.Runtime.InteropServices;

        static unsafe class Native
        {
            [{|#1:DllImport("libc")|}] static extern IntPtr mmap(IntPtr addr, UIntPtr length, int prot, int flags, int fd, IntPtr offset);
            [DllImport("libc")] static extern int munmap(IntPtr addr, UIntPtr length);
            [DllImport("libc", SetLastError = true)] static extern int mprotect(IntPtr addr, UIntPtr length, int prot);

            static void M()
            {
                IntPtr p = mmap(IntPtr.Zero, (UIntPtr)4096, 3, 0x22, -1, IntPtr.Zero);
                if (mprotect(p, (UIntPtr)4096, 3) != 0) throw new InvalidOperationException("errno " + Marshal.GetLastPInvokeError());
                // A read inside a binding call's arguments belongs to the call that ended before it (mprotect, which sets it).
                _ = munmap(p, (UIntPtr)(uint)Marshal.GetLastPInvokeError());
                IntPtr q = mmap(IntPtr.Zero, (UIntPtr)4096, 3, 0x22, -1, IntPtr.Zero);
                int e = {|#0:Marshal.GetLastPInvokeError()|};
            }
        }
        """).Expect(LastError(0, 1, "GetLastPInvokeError", "mmap")).RunAsync();

    [Fact]
    public Task Errno_read_after_renamed_bindings_without_SetLastError_is_reported_in_the_file_that_calls_them() => new HermeticAnalyzerTest<DeclarationAnalyzer>("""
        using System;
        using System.Runtime.InteropServices;

        static class Sys
        {
            [{|#2:DllImport("libc", EntryPoint = "mmap")|}] public static extern IntPtr Map(IntPtr addr, UIntPtr length, int prot, int flags, int fd, IntPtr offset);
            [{|#3:DllImport("libc", EntryPoint = "munmap")|}] public static extern int Release(IntPtr addr, UIntPtr length);
        }
        """).WithSource("""
        using System;
        using System.Runtime.InteropServices;

        sealed class Pool
        {
            IntPtr _block;

            public void Open()
            {
                _block = Sys.Map(IntPtr.Zero, (UIntPtr)65536, 3, 0x22, -1, IntPtr.Zero);
                if (_block == new IntPtr(-1)) throw new InvalidOperationException("errno " + {|#0:Marshal.GetLastPInvokeError()|});
            }

            public void Close()
            {
                if (Sys.Release(_block, (UIntPtr)65536) != 0) throw new InvalidOperationException("errno " + {|#1:Marshal.GetLastWin32Error()|});
            }
        }
        """).Expect(LastError(0, 2, "GetLastPInvokeError", "Map"), LastError(1, 3, "GetLastWin32Error", "Release")).RunAsync();
}
