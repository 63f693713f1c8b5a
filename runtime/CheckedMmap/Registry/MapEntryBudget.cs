// The checker's share of the kernel's map entries (Linux: vm.max_map_count, 65530 by default). Guard pages and
// quarantined holes split VMAs; if the checker took every entry, the .NET runtime (and the program) could no longer
// map anything and the process would die. So the checker keeps its own entries under
//     limit - headroom - (entries the rest of the process uses)
// and degrades past that (no guard pages of its own for new mappings, quarantine releasing its oldest ranges).
// The rest of the process is counted from /proc/self/maps now and then (never per call): once at first use, after
// every 4096 entries the checker has added since, and when the budget looks full.
using CheckedMmap.Host;

namespace CheckedMmap.Registry
{
    internal sealed class MapEntryBudget
    {
        private const int RecountAfterGrowth = 4096;
        private const int RecountWhenFullAfterChange = 256;

        private readonly HostMemory _host;
        private bool _counted;
        private int _checkerAtCount;

        public MapEntryBudget(HostMemory host)
        {
            _host = host;
            Limit = host.MapEntryLimit;
        }

        /// <summary>vm.max_map_count, or int.MaxValue where the host has no such limit.</summary>
        public int Limit { get; }

        /// <summary>Entries left to the .NET runtime and the program; a change recounts at the next decision.</summary>
        public int Headroom
        {
            get => _headroom;
            set
            {
                if (value != _headroom)
                {
                    _headroom = value;
                    _counted = false;
                }
            }
        }

        private int _headroom = RuntimeConfiguration.DefaultMapEntryHeadroom;

        /// <summary>The process's entries at the last count (-1 before the first, or where the host cannot count).</summary>
        public int ProcessEntriesAtLastCount { get; private set; } = -1;

        /// <summary>Entries used by everything but the checker, at the last count.</summary>
        public int OtherEntries { get; private set; }

        /// <summary>The most entries the checker may use now (0 when the headroom and the rest of the process take all).</summary>
        public long CheckerLimit => Limit == int.MaxValue ? int.MaxValue : System.Math.Max(0, (long)Limit - Headroom - OtherEntries);

        public bool IsLimited => Limit != int.MaxValue;

        /// <summary>
        /// True when a new mapping may have guard pages of its own: guarded mappings may use all but an eighth of the
        /// checker's budget, so that past them unguarded mappings (which merge) and their quarantined holes still have room.
        /// </summary>
        public bool HasRoomForGuarded(int checkerEntries, int more)
        {
            if (!HasRoom(checkerEntries, more))
            {
                return false;
            }

            return !IsLimited || checkerEntries + (long)more <= CheckerLimit - CheckerLimit / 8;
        }

        /// <summary>True when the checker, now at <paramref name="checkerEntries"/>, may add <paramref name="more"/>.</summary>
        public bool HasRoom(int checkerEntries, int more)
        {
            if (!IsLimited)
            {
                return true;
            }

            if (!_counted || checkerEntries - _checkerAtCount >= RecountAfterGrowth)
            {
                Recount(checkerEntries);
            }

            if (checkerEntries + (long)more <= CheckerLimit)
            {
                return true;
            }

            int change = checkerEntries - _checkerAtCount;
            if (change >= RecountWhenFullAfterChange || change <= -RecountWhenFullAfterChange)
            {
                Recount(checkerEntries);
            }

            return checkerEntries + (long)more <= CheckerLimit;
        }

        private void Recount(int checkerEntries)
        {
            _counted = true;
            _checkerAtCount = checkerEntries;
            int total = _host.CountMapEntries();
            if (total < 0)
            {
                return;
            }

            ProcessEntriesAtLastCount = total;

            // The checker's count is an upper bound (neighbouring reservations may merge), so this is a lower bound of
            // the others' share; the sum stays the process's real count at this moment.
            OtherEntries = total > checkerEntries ? total - checkerEntries : 0;
        }
    }
}
