// Added by the CheckedMmap package to test projects (set CheckedMmapTestEntryPoint=false to leave it out): the
// entry point through which CheckedMmap.Testing.ChildProcessScenario runs a crash scenario in a child process.
// The test host never calls it.
internal static class CheckedMmapTestEntryPoint
{
    public static int Main() => global::CheckedMmap.Testing.ChildProcessScenario.RunRequestedScenario();
}
