using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Xunit;

namespace CheckedMmap.Robustness.Tests.Runtime;

/// <summary>Scenarios run in a child process (see Program), and the harness that starts them.</summary>
internal static unsafe class ChildScenarios
{
    private static readonly Dictionary<string, Func<int>> s_scenarios = new()
    {
        ["mremap-size-wrap"] = MremapSizeWrap,
        ["guard-after-churn"] = () => AfterChurn(m => ((byte*)m.Address)[(long)m.Size] = 1),
        ["use-after-munmap-after-churn"] = UseAfterMunmapAfterChurn,
        ["analyzer-long-expressions"] = Analyzer.LongExpressions.Run,
    };

    public static IEnumerable<string> Names => s_scenarios.Keys;

    public static int Run(string name)
    {
        Console.Out.Flush();
        return s_scenarios.TryGetValue(name, out var scenario) ? scenario() : 2;
    }

    /// <summary>Finding #1: a new size within a host page of 2^64 must fail (ENOMEM), not crash.</summary>
    private static int MremapSizeWrap()
    {
        nint p = Mman.mmap(0, Mman.PageSize, 3, 2 | Mman.MAP_ANONYMOUS, -1, 0);
        Console.WriteLine($"mapped 0x{p:x}");
        Console.Out.Flush();
        nint q = Mman.mremap(p, Mman.PageSize, nuint.MaxValue, Mman.MREMAP_MAYMOVE);
        Console.WriteLine($"result={q} errno={Marshal.GetLastPInvokeError()}");
        return 0;
    }

    /// <summary>Cycles far more mappings than vm.max_map_count, keeps a few live, then does a bad access.</summary>
    private static int AfterChurn(Action<MappingInfo> badAccess)
    {
        nuint p = Mman.PageSize;
        var live = new Queue<nint>();
        for (int i = 0; i < 70_000; i++)
        {
            live.Enqueue(Mman.mmap(0, p, 3, 2 | Mman.MAP_ANONYMOUS, -1, 0));
            if (live.Count > 64 && Mman.munmap(live.Dequeue(), p) != 0) return 3;
        }

        var target = MmapTracker.FindMapping(live.Last())!;
        ((byte*)target.Address)[(long)target.Size - 1] = 7; // the last byte is fine
        Console.WriteLine($"churned 70000; evictions {MmapTracker.Evictions}; bad access at {target}");
        Console.Out.Flush();
        badAccess(target);
        Console.WriteLine("survived the bad access");
        return 0;
    }

    private static int UseAfterMunmapAfterChurn()
    {
        MappingInfo? freed = null;
        return AfterChurn(m =>
        {
            freed = m;
            if (Mman.munmap(m.Address, m.Size) != 0) Environment.Exit(4);
            _ = ((byte*)freed.Address)[0];
        });
    }

    public sealed record ChildResult(int ExitCode, string Stdout, string Stderr);

    /// <summary>Starts this test assembly as a program running one scenario.</summary>
    public static ChildResult Start(string scenario, TimeSpan timeout)
    {
        string dll = typeof(ChildScenarios).Assembly.Location;
        string dir = Path.GetDirectoryName(dll)!;
        string name = Path.GetFileNameWithoutExtension(dll);
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { "exec", "--runtimeconfig", Path.Combine(dir, name + ".runtimeconfig.json"), "--depsfile", Path.Combine(dir, name + ".deps.json"), dll, "--child", scenario })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["DOTNET_DbgEnableMiniDump"] = "0";
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit((int)timeout.TotalMilliseconds))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"child '{scenario}' did not finish within {timeout}");
        }

        return new ChildResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}
