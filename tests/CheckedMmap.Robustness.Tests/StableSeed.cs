namespace CheckedMmap.Robustness.Tests;

/// <summary>
/// Seeds for per-case and per-thread random generators that are the same in every process, so that a reported
/// seed and case number reproduce the failure. HashCode.Combine does not do that: it is randomized per process.
/// </summary>
internal static class StableSeed
{
    /// <summary>Mixes a run seed and a case (or thread) number with SplitMix64's finalizer.</summary>
    public static int Mix(int seed, int index)
    {
        ulong z = ((ulong)(uint)seed << 32 | (uint)index) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)(z ^ (z >> 31));
    }
}
