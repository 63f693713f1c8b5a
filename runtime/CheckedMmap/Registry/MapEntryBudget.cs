// The checker's share of the kernel's map entries (Linux: vm.max_map_count, 65530 by default). Guard pages and
// quarantined holes split VMAs; if the checker took every entry, the .NET runtime (and the program) could no longer
// map anything and the process would die. So the checker keeps its own entries under
//     limit - headroom - (entries the rest of the process uses)
// and degrades past that (no guard pages of its own for new mappings, quarantine releasing its oldest ranges).
// The process is counted from /proc/self/maps now and then (never per call): once at first use, after every 4096
// entries the checker has added since, and when the budget looks full. Changes whose count rests on the kernel merging
// ranges back (which locked memory, or pages that never shared an identity, can prevent) are taken as one more entry
// each until the next reading; when that pessimistic count could reach the limit, a reading settles it. Each reading also
// counts the entries inside the checker's reservations, and a count below that is raised to it.
using System.Collections.Generic;
using CheckedMmap.Host;

namespace CheckedMmap.Registry
{
    internal sealed class MapEntryBudget
    {
        private const int RecountAfterGrowth = 4096;
        private const int RecountWhenFullAfterChange = 256;
        private const int RecountAfterUnsureChanges = 64;

        private readonly HostMemory _host;
        private readonly SlotAllocator _slots;
        private bool _counted;
        private int _checkerAtCount;

        public MapEntryBudget(HostMemory host, SlotAllocator slots)
        {
            _host = host;
            _slots = slots;
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
        public bool HasRoomForGuarded(int more)
        {
            if (!HasRoom(more))
            {
                return false;
            }

            return !IsLimited || _slots.Entries + (long)more <= CheckerLimit - CheckerLimit / 8;
        }

        /// <summary>True when the checker may add <paramref name="more"/> entries to those it uses now.</summary>
        public bool HasRoom(int more)
        {
            if (!IsLimited)
            {
                return true;
            }

            if (!_counted || _slots.Entries - _checkerAtCount >= RecountAfterGrowth)
            {
                Recount();
            }

            if (Pessimistic + more <= CheckerLimit)
            {
                return true;
            }

            int change = _slots.Entries - _checkerAtCount;
            if (change >= RecountWhenFullAfterChange || change <= -RecountWhenFullAfterChange || _slots.UnsureChanges >= RecountAfterUnsureChanges)
            {
                Recount();
            }

            return Pessimistic + more <= CheckerLimit;
        }

        // The count, plus what each change since the last reading whose count rests on the kernel merging ranges back
        // could have left unmerged (one entry: a range made read/write again merges with at least one read/write
        // neighbour): a reading is needed only when that could reach the limit.
        private long Pessimistic => _slots.Entries + (long)_slots.UnsureChanges;

        private void Recount()
        {
            _counted = true;
            var reservations = new List<(ulong Base, ulong Size)>();
            _slots.CopyReservations(reservations);
            (int total, int checker) = _host.CountMapEntriesIn(reservations);
            if (total < 0)
            {
                // Unreadable: the count stands, pessimistic for the changes since (they are not read again).
                _checkerAtCount = _slots.Entries;
                return;
            }

            _slots.Resync(checker);
            _checkerAtCount = _slots.Entries;
            ProcessEntriesAtLastCount = total;

            // The checker's count is an upper bound of its real one (raised to it just now), so this is a lower bound of
            // the others' share; the sum stays the process's real count at this moment.
            OtherEntries = total > _checkerAtCount ? total - _checkerAtCount : 0;
        }
    }
}
