// Code that crashes on purpose runs only in a child process, through the package's own helper
// (CheckedMmap.Testing.ChildProcessScenario): the test assembly re-enters itself through `dotnet exec`, and its Main
// runs the scenario the helper names.
using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.CompilerServices;
using System.Threading;
using CheckedMmap.Testing;

namespace CheckedMmap.Tests;

internal static class ChildProcess
{
    /// <summary>
    /// The test assembly's entry point (GenerateProgramFile is off): the test host never calls it, `dotnet exec`
    /// does. A Main rather than a module initializer, so scenarios may start threads (a module initializer holds
    /// the module's type-initialization lock, and a second thread would wait on it forever).
    /// </summary>
    public static int Main() => ChildProcessScenario.RunRequestedScenario();

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
    }

    /// <summary>Runs <see cref="ChildScenarios"/>'s method <paramref name="scenario"/> in a child process with no CheckedMmap setting but <paramref name="env"/>.</summary>
    /// <summary>How long a scale scenario may run: a million page faults take about 12 s where one costs 12 µs (as on
    /// some virtual machines), and longer on a loaded one.</summary>
    public static readonly TimeSpan ScaleTimeout = TimeSpan.FromMinutes(5);

    public static Result Run(string scenario, params (string Name, string Value)[] env) =>
        Run(scenario, ChildProcessScenario.DefaultTimeout, env);

    public static Result Run(string scenario, TimeSpan timeout, params (string Name, string Value)[] env)
    {
        MethodInfo m = typeof(ChildScenarios).GetMethod(scenario, BindingFlags.Public | BindingFlags.Static)
            ?? throw new ArgumentException("unknown scenario " + scenario, nameof(scenario));
        var settings = new (string Name, string? Value)[env.Length];
        for (int i = 0; i < env.Length; i++)
        {
            settings[i] = (env[i].Name, env[i].Value);
        }

        ChildProcessResult r = ChildProcessScenario.Run((Action)m.CreateDelegate(typeof(Action)), timeout, settings);
        return new Result(r.ExitCode, r.StandardOutput, r.StandardError);
    }
}

/// <summary>Scenarios run in the child process (public static, no arguments).</summary>
public static unsafe partial class ChildScenarios
{
    private const int RW = Mman.PROT_READ | Mman.PROT_WRITE;

    private static int PA => Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Poke(byte* p, byte value) => Volatile.Write(ref *p, value);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static byte Peek(byte* p) => Volatile.Read(ref *p);

    public static void Healthy()
    {
        byte* p = (byte*)Mman.mmap(null, 4096, RW, PA, -1, 0);
        Poke(p, 1);
        Poke(p + 4095, 2);
        Console.WriteLine("in bounds ok " + (Peek(p) + Peek(p + 4095)));
        Mman.munmap(p, 4096);
    }

    public static void WriteOneByteBeforeStart()
    {
        byte* p = (byte*)Mman.mmap(null, 4096, RW, PA, -1, 0);
        Poke(p, 1);
        Console.WriteLine("about to underflow");
        Console.Out.Flush();
        Poke(p - 1, 1);
        Console.WriteLine("NOT REACHED");
    }

    public static void WriteOnePastRoundedEnd()
    {
        // length 100 rounds to one page: the whole page is usable, the byte after it faults
        byte* p = (byte*)Mman.mmap(null, 100, RW, PA, -1, 0);
        Poke(p + 4095, 1);
        Console.WriteLine("about to overflow");
        Console.Out.Flush();
        Poke(p + 4096, 1);
        Console.WriteLine("NOT REACHED");
    }

    public static void ReadAfterMunmap()
    {
        byte* p = (byte*)Mman.mmap(null, 8192, RW, PA, -1, 0);
        Poke(p + 5000, 7);
        Mman.munmap(p, 8192);
        // Allocate and free a lot afterwards: the runtime must not be able to reuse the quarantined range.
        for (int i = 0; i < 1000; i++)
        {
            GC.KeepAlive(new byte[10_000]);
        }

        Console.WriteLine("about to read freed memory");
        Console.Out.Flush();
        Console.WriteLine("NOT REACHED " + Peek(p + 5000));
    }

    public static void WriteAfterMremapMove()
    {
        byte* p = (byte*)Mman.mmap(null, 4096, RW, PA, -1, 0);
        byte* q = (byte*)Mman.mremap(p, 4096, 16384, Mman.MREMAP_MAYMOVE);
        Poke(q + 16383, 1);
        Console.WriteLine("about to write through the old pointer");
        Console.Out.Flush();
        Poke(p, 1);
        Console.WriteLine("NOT REACHED");
    }

    public static void UseAfterMunmapOnWorkerThread()
    {
        byte* p = (byte*)Mman.mmap(null, 4096, RW, PA, -1, 0);
        Mman.munmap(p, 4096);
        var t = new Thread(() =>
        {
            Console.WriteLine("about to write freed memory on a worker");
            Console.Out.Flush();
            Poke(p, 1);
        });
        t.Start();
        t.Join();
        Console.WriteLine("NOT REACHED");
    }

    [DllImport("libc", EntryPoint = "memset")]
    private static extern void* LibcMemset(void* s, int c, nuint n);

    /// <summary>libc's memset runs 16 bytes past the end of a mapping: a fault in native code.</summary>
    public static void NativeMemsetPastEnd()
    {
        byte* p = (byte*)Mman.mmap(null, 4096, RW, PA, -1, 0);
        Console.WriteLine("about to memset past the end");
        Console.Out.Flush();
        LibcMemset(p, 0, 4096 + 16);
        Console.WriteLine("NOT REACHED");
    }

    /// <summary>As <see cref="NativeMemsetPastEnd"/>, while a test platform says two tests run and one has ended.</summary>
    public static void NativeMemsetPastEndDuringTests()
    {
        CheckedMmap.Testing.RunningTests.Started(new Guid(1, 0, 0, new byte[8]), "Suite.Finished");
        CheckedMmap.Testing.RunningTests.Started(new Guid(2, 0, 0, new byte[8]), "Suite.First");
        CheckedMmap.Testing.RunningTests.Started(new Guid(3, 0, 0, new byte[8]), "Suite.Second");
        CheckedMmap.Testing.RunningTests.Ended(new Guid(1, 0, 0, new byte[8]));
        NativeMemsetPastEnd();
    }

    /// <summary>A test method (as a test framework marks one) faults in native code while the platform's list of running
    /// tests still holds a finished test and the faulting one: the report names the one that made the mapping.</summary>
    [NUnit.Framework.Test]
    public static void NativeMemsetPastEndInATest()
    {
        CheckedMmap.Testing.RunningTests.Started(new Guid(1, 0, 0, new byte[8]), "Suite.Finished");
        CheckedMmap.Testing.RunningTests.Started(new Guid(2, 0, 0, new byte[8]), "CheckedMmap.Tests.ChildScenarios.NativeMemsetPastEndInATest");
        NativeMemsetPastEnd();
    }

    /// <summary>As <see cref="NativeMemsetPastEndInATest"/>, before the platform has reported the faulting test.</summary>
    [NUnit.Framework.Test]
    public static void NativeMemsetPastEndInATestNotYetReported()
    {
        CheckedMmap.Testing.RunningTests.Started(new Guid(1, 0, 0, new byte[8]), "Suite.Finished");
        NativeMemsetPastEnd();
    }

    /// <summary>libc's memset clears a mapping after munmap: a use after munmap in native code.</summary>
    public static void NativeMemsetAfterMunmap()
    {
        byte* p = (byte*)Mman.mmap(null, 8192, RW, PA, -1, 0);
        Mman.munmap(p, 8192);
        Console.WriteLine("about to memset freed memory");
        Console.Out.Flush();
        LibcMemset(p, 0, 8192);
        Console.WriteLine("NOT REACHED");
    }

    /// <summary>libc's memset starts 16 bytes before a mapping: an underflow in native code.</summary>
    public static void NativeMemsetBeforeStart()
    {
        byte* p = (byte*)Mman.mmap(null, 4096, RW, PA, -1, 0);
        Console.WriteLine("about to memset before the start");
        Console.Out.Flush();
        LibcMemset(p - 16, 0, 32);
        Console.WriteLine("NOT REACHED");
    }

    /// <summary>libc's memset through the old pointer after mremap moved the mapping.</summary>
    public static void NativeMemsetAfterMremapMove()
    {
        byte* p = (byte*)Mman.mmap(null, 4096, RW, PA, -1, 0);
        byte* q = (byte*)Mman.mremap(p, 4096, 16384, Mman.MREMAP_MAYMOVE);
        LibcMemset(q, 1, 16384);
        Console.WriteLine("about to memset through the old pointer");
        Console.Out.Flush();
        LibcMemset(p, 0, 4096);
        Console.WriteLine("NOT REACHED");
    }

    /// <summary>Span.Clear over 12 KiB of a 4 KiB mapping: the runtime's native memset runs past the guard page.</summary>
    public static void LargeClearFarPastEnd()
    {
        byte* p = (byte*)Mman.mmap(null, 4096, RW, PA, -1, 0);
        Console.WriteLine("about to clear past the end");
        Console.Out.Flush();
        new Span<byte>(p, 3 * 4096).Clear();
        Console.WriteLine("NOT REACHED");
    }

    private static void OnWorker(Action body)
    {
        var t = new Thread(() => body()) { Name = "worker" };
        t.Start();
        t.Join();
    }

    public static void WriteOnePastRoundedEndOnWorkerThread() => OnWorker(WriteOnePastRoundedEnd);

    public static void WriteOneByteBeforeStartOnWorkerThread() => OnWorker(WriteOneByteBeforeStart);

    public static void WriteAfterMremapMoveOnWorkerThread() => OnWorker(WriteAfterMremapMove);

    /// <summary>With the legacy policy the fault is an AccessViolationException whose message is the report.</summary>
    public static void CatchOverflow()
    {
        byte* p = (byte*)Mman.mmap(null, 4096, RW, PA, -1, 0);
        try
        {
            Poke(p + 4096 + 16, 1);
            Console.WriteLine("NOT REACHED");
        }
        catch (AccessViolationException e)
        {
            Console.WriteLine("caught: " + e.Message);
        }

        try
        {
            Poke(null, 1);
        }
        catch (NullReferenceException)
        {
            Console.WriteLine("null stays NullReferenceException");
        }

        Mman.munmap(p, 4096);
        Console.WriteLine("went on");
    }

    public static void ReportActive() => Console.WriteLine("fault reports active: " + CheckedMmapOptions.FaultReportsActive);

    public static void UncaughtPartialMunmap()
    {
        byte* p = (byte*)Mman.mmap(null, 8192, RW, PA, -1, 0);
        Mman.munmap(p, 4096);
    }

    /// <summary>A test method (as a test framework marks one) does a partial munmap: the report file names the test.</summary>
    [NUnit.Framework.Test]
    public static void UncaughtPartialMunmapInATest() => UncaughtPartialMunmap();

    public static void PrintTargetConstants()
    {
        // Read before any call: the environment must already apply.
        Console.WriteLine($"MAP_ANONYMOUS={Mman.MAP_ANONYMOUS:x} _SC_PAGESIZE={Mman._SC_PAGESIZE} PageSize={Mman.PageSize}");
    }

    public static void LeakOneMapping()
    {
        Mman.mmap(null, 12288, RW, PA, -1, 0);
        Console.WriteLine("leaving a mapping behind");
    }

    /// <summary>A test method leaves a mapping behind: the leak at exit names the test.</summary>
    [NUnit.Framework.Test]
    public static void LeakOneMappingInATest() => LeakOneMapping();

    /// <summary>As <see cref="LeakOneMapping"/>, with Console.Error captured as MSTest and NUnit capture it.</summary>
    public static void LeakOneMappingWithConsoleErrorCaptured()
    {
        Console.SetError(new StringWriter());
        LeakOneMapping();
    }

    /// <summary>As <see cref="LeakOneMapping"/>, with the reports going to a writer the program set.</summary>
    public static void LeakOneMappingToOwnWriter()
    {
        CheckedMmapOptions.ReportWriter = new StringWriter();
        LeakOneMapping();
    }

    /// <summary>As <see cref="NativeMemsetPastEnd"/>, with Console.Error captured: the captured text dies with the process.</summary>
    public static void NativeMemsetPastEndWithConsoleErrorCaptured()
    {
        Console.SetError(new StringWriter());
        NativeMemsetPastEnd();
    }

    public static void LeakThenEndTestRun()
    {
        Mman.mmap(null, 12288, RW, PA, -1, 0);
        Console.WriteLine("first check: " + MmapTracker.RunExitLeakCheckNow());
        Console.WriteLine("second check: " + MmapTracker.RunExitLeakCheckNow());
    }

    public static void FirstCallWithEnvironment()
    {
        try
        {
            Mman.mmap(null, 4096, RW, PA, -1, 0);
            Console.WriteLine("mapped; page size " + Mman.PageSize);
        }
        catch (CheckedMmapConfigurationException e)
        {
            Console.WriteLine("config error: " + e.Message);
            try
            {
                Mman.munmap(null, 4096);
            }
            catch (CheckedMmapConfigurationException e2)
            {
                Console.WriteLine("again: " + e2.Message);
            }
        }
    }

    /// <summary>30,000 live guarded mappings at once (vm.max_map_count is 65530), all written, then all unmapped.</summary>
    public static void ThirtyThousandLiveMappings()
    {
        const int n = 30_000;
        var ptrs = new nint[n];
        for (int i = 0; i < n; i++)
        {
            ptrs[i] = Mman.mmap(0, 4096, RW, PA, -1, 0);
            if (ptrs[i] == Mman.MAP_FAILED)
            {
                Console.WriteLine("mmap failed at " + i + " errno " + System.Runtime.InteropServices.Marshal.GetLastPInvokeError());
                Environment.Exit(3);
            }

            *(int*)ptrs[i] = i;
        }

        int maps = File.Exists("/proc/self/maps") ? File.ReadAllLines("/proc/self/maps").Length : -1;
        for (int i = 0; i < n; i++)
        {
            if (*(int*)ptrs[i] != i)
            {
                Console.WriteLine("corrupt at " + i);
                Environment.Exit(4);
            }

            if (Mman.munmap(ptrs[i], 4096) != 0)
            {
                Console.WriteLine("munmap failed at " + i);
                Environment.Exit(5);
            }
        }

        Console.WriteLine($"live peak {n}, vmas {maps}, live now {MmapTracker.LiveCount}");
    }
}
