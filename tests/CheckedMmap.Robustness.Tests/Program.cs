using System;
using System.Collections.Generic;
using CheckedMmap.Robustness.Tests.Runtime;

namespace CheckedMmap.Robustness.Tests;

/// <summary>
/// Entry point for child processes: scenarios that crash on purpose (or may crash because of a bug) never run in the
/// test host. `dotnet exec CheckedMmap.Robustness.Tests.dll --child NAME`.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 2 && args[0] == "--child")
        {
            return ChildScenarios.Run(args[1]);
        }

        Console.Error.WriteLine("usage: --child " + string.Join("|", ChildScenarios.Names));
        return 2;
    }
}
