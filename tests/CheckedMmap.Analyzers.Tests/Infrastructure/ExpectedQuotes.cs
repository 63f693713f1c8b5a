namespace CheckedMmap.Analyzers.Tests.Infrastructure;

/// <summary>The checked runtime's and Miri's words as the diagnostics quote them, spelled out once for every test.</summary>
public static class ExpectedQuotes
{
    public const string Flags = "CheckedMmap only supports calls to mmap which set the flags argument to MAP_PRIVATE|MAP_ANONYMOUS";

    public const string MapFixed = "CheckedMmap does not support calls to mmap with MAP_FIXED as part of the flags argument";
}
