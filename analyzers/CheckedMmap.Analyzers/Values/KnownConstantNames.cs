using System;
using CheckedMmap.Contract;

namespace CheckedMmap.Analyzers.Values
{
    /// <summary>
    /// Values of libc constant NAMES, for bindings whose constants have no compile-time value (Tmds.LibC's and our
    /// runtime's static properties). Everything comes from the Contract's table for the binding's OS; the few Linux
    /// names the Contract does not list (aliases, masks, MAP_HUGE_* encodings) are added here.
    /// </summary>
    internal static class KnownConstantNames
    {
        private const int MapHugeShift = 26;

        /// <summary>A name that means "anonymous" whatever number a library gives it.</summary>
        public static bool IsAnonymousName(string name) =>
            string.Equals(name, "MAP_ANONYMOUS", StringComparison.OrdinalIgnoreCase)
            || string.Equals(name, "MAP_ANON", StringComparison.OrdinalIgnoreCase)
            || string.Equals(name, "Anonymous", StringComparison.OrdinalIgnoreCase)
            || string.Equals(name, "Anon", StringComparison.OrdinalIgnoreCase);

        public static bool TryGetValue(string name, MmapConstants table, out long value)
        {
            value = 0;
            switch (name)
            {
                case "PROT_NONE":
                    value = MmapConstants.PROT_NONE;
                    return true;
                case "PROT_READ":
                    value = MmapConstants.PROT_READ;
                    return true;
                case "PROT_WRITE":
                    value = MmapConstants.PROT_WRITE;
                    return true;
                case "PROT_EXEC":
                    value = MmapConstants.PROT_EXEC;
                    return true;
                case "MAP_ANON":
                case "MAP_ANONYMOUS":
                    value = table.MapAnonymous;
                    return true;
                case "MAP_FILE":
                    value = 0;
                    return true;
            }

            foreach (NamedBits bits in table.FlagNames)
            {
                if (bits.Name == name)
                {
                    value = bits.Value;
                    return true;
                }
            }

            // madvise advice and mremap flags (MMAP012, MMAP013).
            if (table.TryGetAdvice(name, out int advice))
            {
                value = advice;
                return true;
            }

            switch (name)
            {
                case "MREMAP_MAYMOVE":
                    value = MmapConstants.MREMAP_MAYMOVE;
                    return true;
                case "MREMAP_FIXED":
                    value = MmapConstants.MREMAP_FIXED;
                    return true;
                case "MREMAP_DONTUNMAP":
                    value = MmapConstants.MREMAP_DONTUNMAP;
                    return true;
            }

            if (table.Target != TargetOS.Linux)
            {
                return false;
            }

            // Linux-only names absent from the Contract (values from <linux/mman.h>, as Tmds.LibC lists them).
            switch (name)
            {
                case "PROT_GROWSDOWN":
                    value = 0x01000000;
                    return true;
                case "PROT_GROWSUP":
                    value = 0x02000000;
                    return true;
                case "MAP_SHARED_VALIDATE":
                    value = 0x03;
                    return true;
                case "MAP_TYPE":
                    value = 0x0f;
                    return true;
                case "MAP_HUGE_SHIFT":
                    value = MapHugeShift;
                    return true;
                case "MAP_HUGE_MASK":
                    value = 0x3f;
                    return true;
            }

            if (name.StartsWith("MAP_HUGE_", StringComparison.Ordinal) && TryHugePageLog2(name.Substring("MAP_HUGE_".Length), out int log2))
            {
                value = unchecked((int)((uint)log2 << MapHugeShift));
                return true;
            }

            return false;
        }

        private static bool TryHugePageLog2(string size, out int log2)
        {
            log2 = 0;
            int unitShift;
            if (size.EndsWith("KB", StringComparison.Ordinal))
            {
                unitShift = 10;
            }
            else if (size.EndsWith("MB", StringComparison.Ordinal))
            {
                unitShift = 20;
            }
            else if (size.EndsWith("GB", StringComparison.Ordinal))
            {
                unitShift = 30;
            }
            else
            {
                return false;
            }

            if (!int.TryParse(size.Substring(0, size.Length - 2), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int count)
                || count <= 0 || (count & (count - 1)) != 0)
            {
                return false;
            }

            int countLog2 = 0;
            while ((1 << countLog2) < count)
            {
                countLog2++;
            }

            log2 = countLog2 + unitShift;
            return true;
        }
    }
}
