package launch

import (
	"fmt"
	"strings"
)

// mergeChunk is how many shard databases one "replicate merge" command
// takes. The merge loops over the shard indexes instead of listing every
// shard on one command line, so no line of a script and no command grows
// with --shards: 64 paths of at most 4 KiB each stay far below Linux's
// limits of 128 KiB per argument and 2 MiB for all of them.
const mergeChunk = 64

// script builds a shell script line by line. Values from Options enter it
// only through shellQuote; the rest is our own fixed text.
type script struct {
	b strings.Builder
}

func (s *script) line(format string, args ...any) {
	fmt.Fprintf(&s.b, format, args...)
	s.b.WriteByte('\n')
}

func (s *script) String() string { return s.b.String() }

// mergeShards writes the loop that merges shard-0.db … shard-<n-1>.db in
// the folder held by the shell variable results into
// $results/replicate.db, mergeChunk at a time, then writes the report.
// bin is the shell word that runs replicate. POSIX sh, so that it runs in
// the merge container's sh as well as in a Slurm bash script.
func (s *script) mergeShards(bin string, n int) {
	s.line(`# One merge per %d shards: no command line grows with the shard count.`, mergeChunk)
	s.line(`i=0`)
	s.line(`while [ "$i" -lt %d ]; do`, n)
	s.line(`  set --`)
	s.line(`  while [ "$i" -lt %d ] && [ "$#" -lt %d ]; do`, n, mergeChunk)
	s.line(`    set -- "$@" "$results/shard-$i.db"`)
	s.line(`    i=$((i + 1))`)
	s.line(`  done`)
	s.line(`  %s merge -- "$results/replicate.db" "$@"`, bin)
	s.line(`done`)
	s.line(`%s report --db="$results/replicate.db" --out="$results"`, bin)
}
