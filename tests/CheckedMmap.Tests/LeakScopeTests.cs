// Leak scopes follow the flow of execution: a test sees the mappings it (and the tasks and threads it starts)
// created, never those of a test running in parallel.
using System;
using System.Threading;
using System.Threading.Tasks;
using Xunit;
using static CheckedMmap.Tests.M;

namespace CheckedMmap.Tests;

public class LeakScopeTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Two_parallel_flows_each_see_only_their_own_mappings()
    {
        // Both "tests" hold a mapping while the other checks: with a global mark each would blame the other.
        using var bothMapped = new Barrier(2);
        using var bothChecked = new Barrier(2);
        string[] verdicts = new string[2];

        Task Flow(int i) => Task.Run(() =>
        {
            long mark = MmapTracker.Checkpoint();
            nint mine = Map(4096);
            Assert.True(bothMapped.SignalAndWait(Wait));
            var e = Assert.Throws<MmapLeakException>(() => MmapTracker.AssertNoLeaks(mark));
            verdicts[i] = string.Join(",", Array.ConvertAll(System.Linq.Enumerable.ToArray(e.Leaked), m => m.Address == mine ? "mine" : "other"));
            Assert.True(bothChecked.SignalAndWait(Wait));
            Unmap(mine, 4096);
            MmapTracker.AssertNoLeaks(mark);
        });

        await Task.WhenAll(Flow(0), Flow(1)).WaitAsync(Wait);
        Assert.Equal(new[] { "mine", "mine" }, verdicts);
    }

    [Fact]
    public async Task A_scope_sees_mappings_made_by_the_tasks_and_threads_it_starts_and_by_nested_scopes()
    {
        using MmapLeakScope scope = MmapTracker.BeginLeakScope();
        nint fromTask = await Task.Run(() => Map(4096));
        nint fromThread = 0;
        var t = new Thread(() => fromThread = Map(8192));
        t.Start();
        t.Join();
        nint fromInner;
        using (MmapTracker.BeginLeakScope())
        {
            fromInner = Map(4096);
        }

        var e = Assert.Throws<MmapLeakException>(scope.AssertNoLeaks);
        Assert.Equal(new[] { fromTask, fromThread, fromInner }, System.Linq.Enumerable.Select(e.Leaked, m => m.Address));
        Assert.StartsWith("==CheckedMmap== ERROR: leak: 3 mappings (16384 bytes) still mapped", e.Message);
        Assert.Equal(3, scope.LiveMappings().Count);
        Unmap(fromTask, 4096);
        Unmap(fromThread, 8192);
        Unmap(fromInner, 4096);
        scope.AssertNoLeaks();
        Assert.Empty(scope.LiveMappings());
    }

    [Fact]
    public void A_mapping_a_pool_keeps_on_purpose_is_exempted_from_leak_checks_until_it_is_unmapped()
    {
        using MmapLeakScope scope = MmapTracker.BeginLeakScope();
        long mark = MmapTracker.Checkpoint();
        nint cached = Map(3 * 4096);
        nint leaked = Map(4096);
        Assert.True(MmapTracker.IgnoreLeak(cached));
        Assert.True(MmapTracker.FindMapping(cached)!.IsLeakIgnored);

        var e = Assert.Throws<MmapLeakException>(() => scope.AssertNoLeaks());
        Assert.Equal(new[] { leaked }, System.Linq.Enumerable.ToArray(System.Linq.Enumerable.Select(e.Leaked, m => m.Address)));
        Assert.Throws<MmapLeakException>(() => MmapTracker.AssertNoLeaks(mark));
        Unmap(leaked, 4096);
        scope.AssertNoLeaks();
        MmapTracker.AssertNoLeaks(mark);

        // Only the start of a live mapping can be exempted, with the reason in the message.
        Assert.Contains("is inside alloc", Assert.Throws<ArgumentException>("address", () => MmapTracker.IgnoreLeak(cached + 4096)).Message);
        Unmap(cached, 3 * 4096);
        Assert.Contains("which is no longer mapped", Assert.Throws<ArgumentException>("address", () => MmapTracker.IgnoreLeak(cached)).Message);
        Assert.False(MmapTracker.IgnoreLeak(16)); // not CheckedMmap's: nothing to exempt, as in a build on libc
    }

    [Fact]
    public void A_cached_mapping_handed_out_again_is_the_leak_of_the_flow_that_took_it()
    {
        // A pool caches a mapping made before the test's scope began and exempts it; the test rents it and drops it.
        nint cached = Map(4096);

        Assert.True(MmapTracker.IgnoreLeak(cached));
        using (MmapLeakScope scope = MmapTracker.BeginLeakScope())
        {
            scope.AssertNoLeaks();
            Assert.True(MmapTracker.UnignoreLeak(cached));
            Assert.False(MmapTracker.FindMapping(cached)!.IsLeakIgnored);
            var e = Assert.Throws<MmapLeakException>(() => scope.AssertNoLeaks());
            Assert.Equal(new[] { cached }, System.Linq.Enumerable.ToArray(System.Linq.Enumerable.Select(e.Leaked, m => m.Address)));

            // Returned to the pool: exempted again, and this scope has nothing left.
            Assert.True(MmapTracker.IgnoreLeak(cached));
            scope.AssertNoLeaks();
        }

        Assert.Contains("is inside alloc", Assert.Throws<ArgumentException>("address", () => MmapTracker.UnignoreLeak(cached + 16)).Message);
        Assert.False(MmapTracker.UnignoreLeak(16));
        Assert.True(MmapTracker.UnignoreLeak(cached));
        Unmap(cached, 4096);
        Assert.Contains("which is no longer mapped", Assert.Throws<ArgumentException>("address", () => MmapTracker.UnignoreLeak(cached)).Message);
    }

    [Fact]
    public void A_leak_a_check_reported_gets_one_line_in_the_report_at_exit()
    {
        nint reported, unreported;
        using (MmapLeakScope scope = MmapTracker.BeginLeakScope())
        {
            reported = Map(4096);
            Assert.Throws<MmapLeakException>(() => scope.AssertNoLeaks());
        }

        using (MmapTracker.BeginLeakScope())
        {
            unreported = Map(8192);
        }

        MappingInfo first = MmapTracker.FindMapping(reported)!, second = MmapTracker.FindMapping(unreported)!;
        string atExit = CheckedMmap.Reports.LeakReports.Build(new[] { first, second }, "at the end of the test run").Text;
        Assert.Contains(first.Name + " was reported leaked earlier, by a leak check whose MmapLeakException carries its stacks (mmap called at", atExit);
        Assert.DoesNotContain(first.Name + " was created by", atExit);
        Assert.Contains(second.Name + " was created by", atExit);
        Unmap(reported, 4096);
        Unmap(unreported, 8192);
    }

    [Fact]
    public void A_mapping_made_after_the_scope_ended_is_not_the_scopes()
    {
        MmapLeakScope scope = MmapTracker.BeginLeakScope();
        scope.Dispose();
        scope.Dispose(); // twice is harmless
        nint after = Map(4096);
        scope.AssertNoLeaks();
        Unmap(after, 4096);
    }

    [Fact]
    public void A_leak_check_points_to_an_earlier_report_of_its_own_flow_about_the_mapping_instead_of_repeating_its_stacks()
    {
        nint reported, plain, reportedElsewhere, reportedInner;
        using (MmapLeakScope scope = MmapTracker.BeginLeakScope())
        {
            reported = Map(8192);
            plain = Map(4096);
            reportedElsewhere = Map(8192);
            Assert.Throws<UndefinedBehaviorException>(() => Mman.munmap(reported, 4096));

            // Reported from a thread that does not carry this flow's scope: not this scope's report.
            using (ExecutionContext.SuppressFlow())
            {
                var t = new Thread(() => Assert.Throws<UndefinedBehaviorException>(() => Mman.munmap(reportedElsewhere, 4096)));
                t.Start();
                t.Join();
            }

            // Reported in an inner scope of this flow: part of this scope's flow.
            using (MmapTracker.BeginLeakScope())
            {
                reportedInner = Map(8192);
                Assert.Throws<UndefinedBehaviorException>(() => Mman.munmap(reportedInner, 4096));
            }

            string Name(nint p) => MmapTracker.FindMapping(p)!.Name;
            var e = Assert.Throws<MmapLeakException>(scope.AssertNoLeaks);
            Assert.Equal(4, e.Leaked.Count);
            Assert.Contains("\n" + Name(reported) + " is the mapping of the partial munmap reported earlier in this leak scope's flow: the "
                + "UndefinedBehaviorException raised then carries that report, with where " + Name(reported) + " was created (mmap called at ", e.Message);
            Assert.DoesNotContain(Name(reported) + " was created by", e.Message);
            Assert.Contains("\n" + Name(reportedInner) + " is the mapping of the partial munmap reported earlier", e.Message);
            Assert.Contains(Name(reportedElsewhere) + " was created by mmap on thread ", e.Message);
            Assert.Contains(Name(plain) + " was created by mmap on thread ", e.Message);

            // Outside a scope's check (here a report of the given mappings) every mapping shows its stacks.
            Assert.Contains(Name(reported) + " was created by mmap on thread ", MmapTracker.FormatLeakReport(new[] { MmapTracker.FindMapping(reported)! }));
        }

        Unmap(reported, 8192);
        Unmap(plain, 4096);
        Unmap(reportedElsewhere, 8192);
        Unmap(reportedInner, 8192);
    }

    [Fact]
    public async Task A_leak_report_names_the_async_test_that_made_the_mapping_after_an_await()
    {
        await Task.Yield();
        nint p = Map(4096);
        string report = MmapTracker.FormatLeakReport(new[] { MmapTracker.FindMapping(p)! });
        Unmap(p, 4096);
        Assert.Contains("), live, in the test CheckedMmap.Tests.LeakScopeTests.A_leak_report_names_the_async_test_that_made_the_mapping_after_an_await" + Environment.NewLine, report);
    }

    [Fact]
    public async Task A_mark_from_another_flow_counts_every_mapping_after_it()
    {
        long mark = await Task.Run(MmapTracker.Checkpoint); // the scope lives in that task's flow only
        nint p = Map(4096);
        var e = Assert.Throws<MmapLeakException>(() => MmapTracker.AssertNoLeaks(mark, currentThreadOnly: true));
        Assert.Contains(e.Leaked, m => m.Address == p);
        Unmap(p, 4096);
    }
}

/// <summary>The xunit pattern: the checkpoint taken in the test class's constructor belongs to the test's own flow.</summary>
public sealed class LeakScopeInConstructorTests : IDisposable
{
    private readonly long _mark = MmapTracker.Checkpoint();
    private readonly MmapLeakScope _scope = MmapTracker.BeginLeakScope();

    [Fact]
    public async Task The_constructors_scopes_are_the_test_methods_and_follow_its_awaits()
    {
        Assert.NotNull(LeakScope.FindInCurrentFlow(_mark));
        await Task.Yield();
        nint p = Map(4096);
        Assert.Contains(_scope.LiveMappings(), m => m.Address == p);
        var e = Assert.Throws<MmapLeakException>(() => MmapTracker.AssertNoLeaks(_mark));
        Assert.Single(e.Leaked);
        Unmap(p, 4096);
    }

    public void Dispose()
    {
        Assert.NotNull(LeakScope.FindInCurrentFlow(_mark));
        _scope.AssertNoLeaks();
        MmapTracker.AssertNoLeaks(_mark);
        _scope.Dispose();
    }
}
