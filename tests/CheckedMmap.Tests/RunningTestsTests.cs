// The tests a test platform says are running, as fault reports name them.
using System;
using CheckedMmap.Testing;
using Xunit;

namespace CheckedMmap.Tests;

public class RunningTestsTests
{
    [Fact]
    public void Started_tests_are_named_in_start_order_until_they_end()
    {
        Guid first = Guid.NewGuid(), second = Guid.NewGuid();
        RunningTests.Started(first, "RunningTestsTests.First");
        RunningTests.Started(second, "RunningTestsTests.Second");
        try
        {
            int a = IndexOf("RunningTestsTests.First"), b = IndexOf("RunningTestsTests.Second");
            Assert.True(a >= 0 && b > a, string.Join(", ", RunningTests.Names));
            RunningTests.Ended(first);
            Assert.Equal(-1, IndexOf("RunningTestsTests.First"));
            Assert.True(IndexOf("RunningTestsTests.Second") >= 0);
        }
        finally
        {
            RunningTests.Ended(first);
            RunningTests.Ended(second);
        }

        Assert.Equal(-1, IndexOf("RunningTestsTests.Second"));
        RunningTests.Ended(Guid.NewGuid()); // an unknown id is ignored
    }

    [Fact]
    public void A_null_name_is_refused()
    {
        ArgumentNullException e = Assert.Throws<ArgumentNullException>(() => RunningTests.Started(Guid.NewGuid(), null!));
        Assert.Equal("name", e.ParamName);
    }

    private static int IndexOf(string name)
    {
        var names = RunningTests.Names;
        for (int i = 0; i < names.Count; i++)
        {
            if (names[i] == name)
            {
                return i;
            }
        }

        return -1;
    }
}
