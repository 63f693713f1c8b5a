using System.Linq;
using System.Threading;
using CheckedMmap.Analyzers.Functions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace CheckedMmap.Analyzers.Tests;

/// <summary>What <see cref="LibcPresence"/> finds without reading every file.</summary>
public class LibcPresenceTests
{
    [Fact]
    public void Declared_names_renamed_bindings_and_binding_libraries_are_found()
    {
        var compilation = CSharpCompilation.Create("P", new[]
        {
            CSharpSyntaxTree.ParseText("""
                using System;
                using System.Runtime.InteropServices;
                static class Native
                {
                    [DllImport("libc")] public static extern int mprotect(IntPtr a, UIntPtr l, int p);
                    [DllImport("libc", EntryPoint = "madvise")] public static extern int Advise(IntPtr a, UIntPtr l, int p);
                    [DllImport("libc")] public static extern int munmap(IntPtr a, UIntPtr l);
                    [DllImport("libc")] public static extern IntPtr mmap(IntPtr a, UIntPtr l, int p, int f, int fd, IntPtr o);
                }
                """),
            CSharpSyntaxTree.ParseText("""
                using System;
                using static Native;
                unsafe class C { void M(IntPtr p) { mprotect(p, (UIntPtr)4096, 7); } }
                """),
        }, Basic.Reference.Assemblies.Net80.References.All);
        Assert.True(compilation.ContainsSymbolsWithName(n => n == "mprotect", SymbolFilter.Member));
        var seen = new System.Collections.Generic.List<string>();
        compilation.ContainsSymbolsWithName(n => { seen.Add(n); return false; }, SymbolFilter.Member);
        Assert.Contains("mprotect", seen);
        LibcPresence presence = LibcPresence.Of(compilation, CancellationToken.None);
        Assert.True(presence.MayCallArgumentRuleFunctions);
        Assert.Contains("mprotect", presence.ArgumentRuleNames);
        Assert.Contains("Advise", presence.ArgumentRuleNames);
        Assert.Contains("Advise", presence.RenamedBindings);
        Assert.Single(presence.InteropTrees);
    }
}
