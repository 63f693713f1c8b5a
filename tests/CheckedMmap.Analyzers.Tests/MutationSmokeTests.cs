using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using CheckedMmap.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>
/// A small fixed-seed mutation run (token deletion, duplication, swap, truncation, literal replacement) over a
/// realistic allocator: no mutant may make the analyzer throw. CHECKEDMMAP_MUTANTS=N runs more.
/// </summary>
public class MutationSmokeTests
{
    private const string Subject = """
        using System;
        using System.Runtime.InteropServices;
        using static Native;

        static unsafe partial class Native
        {
            public const int PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4, MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000;
            [DllImport("libc", EntryPoint = "mmap", SetLastError = true)] public static extern IntPtr mmap(IntPtr addr, UIntPtr length, int prot, int flags, int fd, IntPtr offset);
            [LibraryImport("libc", EntryPoint = "mmap64")] public static partial nint Mmap64(nint addr, nuint length, int prot, int flags, int fd, long offset);
        }

        unsafe class Arena
        {
            static readonly int Flags = MAP_PRIVATE | MAP_ANONYMOUS;
            static int Prot => PROT_READ | PROT_WRITE;
            IntPtr _base;

            static IntPtr MmapWrap(ulong size, int prot, int flags, int fd) => mmap(IntPtr.Zero, (UIntPtr)size, prot, flags, fd, IntPtr.Zero);

            IntPtr Reserve(ulong size, bool huge, int fd)
            {
                int flags = Flags;
                if (huge) flags |= MAP_NORESERVE; else flags &= ~MAP_FIXED;
                for (int i = 0; i < 3; i++) { flags ^= i == 1 ? MAP_SHARED : 0; }
                IntPtr p = mmap(IntPtr.Zero, (UIntPtr)size, huge ? PROT_READ : Prot, flags, fd, new IntPtr(0));
                if (p == new IntPtr(-1)) p = mmap(IntPtr.Zero, (UIntPtr)size, Prot, flags ^= MAP_NORESERVE, -1, IntPtr.Zero);
                nint q = Mmap64(0, 4096, 3, 0x22, -1, 0);
                MmapWrap(4096, PROT_READ | PROT_EXEC, flags | MAP_SHARED, 0);
                Func<int, IntPtr> f = x => mmap(_base, (UIntPtr)4096, x, 0x22, -1, IntPtr.Zero);
                return (byte*)p == (byte*)-1 ? f(7) : p;
            }
        }
        """;

    [Fact]
    public async Task Mutants_never_make_the_analyzer_throw()
    {
        int count = int.TryParse(Environment.GetEnvironmentVariable("CHECKEDMMAP_MUTANTS"), out int n) ? n : 60;
        var random = new Random(20261127);
        SyntaxToken[] tokens = CSharpSyntaxTree.ParseText(Subject).GetRoot().DescendantTokens().ToArray();
        var failures = new List<string>();
        for (int i = 0; i < count; i++)
        {
            string mutant = Mutate(tokens, random);
            DirectRun.Result result = await DirectRun.AnalyzeAsync(mutant);
            if (result.Exceptions.Count > 0)
            {
                failures.Add(result.Exceptions[0] + Environment.NewLine + mutant);
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine + "-----" + Environment.NewLine, failures.Take(3)));
    }

    private static string Mutate(SyntaxToken[] tokens, Random random)
    {
        var texts = tokens.Select(t => t.ToFullString()).ToList();
        int edits = 1 + random.Next(3);
        for (int e = 0; e < edits && texts.Count > 2; e++)
        {
            int at = random.Next(texts.Count);
            switch (random.Next(5))
            {
                case 0:
                    texts.RemoveAt(at);
                    break;
                case 1:
                    texts.Insert(at, texts[at]);
                    break;
                case 2:
                    int other = random.Next(texts.Count);
                    (texts[at], texts[other]) = (texts[other], texts[at]);
                    break;
                case 3:
                    texts.RemoveRange(at, texts.Count - at);
                    break;
                default:
                    texts[at] = " " + (random.Next(3) switch { 0 => random.Next(-2, 0x40000).ToString(), 1 => "0x" + random.Next().ToString("x"), _ => "-1" }) + " ";
                    break;
            }
        }

        return string.Concat(texts);
    }
}
