// tlogcheck verifies aurgate's transparency-log output with the stock Go implementations:
// golang.org/x/mod/sumdb/note (signed notes) and golang.org/x/mod/sumdb/tlog (RFC 6962 proofs and
// tiles). It reads one JSON job on stdin, prints a JSON result on success, and exits 1 with the
// reason on stderr when anything fails to verify. Built in GOPATH mode from Debian's
// golang-golang-x-mod-dev, so it needs no network: see test/trust-interop.test.ts.
package main

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type job struct {
	Mode          string   `json:"mode"`
	VerifierKeys  []string `json:"verifierKeys"`
	Origin        string   `json:"origin"`
	Checkpoint    string   `json:"checkpoint"`
	OldCheckpoint string   `json:"oldCheckpoint"`
	Index         int64    `json:"index"`
	Entry         []byte   `json:"entry"`
	Proof         [][]byte `json:"proof"`
	TileDir       string   `json:"tileDir"`
	Indexes       []int64  `json:"indexes"`
	OldSize       int64    `json:"oldSize"`
}

type result struct {
	Size        int64      `json:"size"`
	Root        []byte     `json:"root"`
	Proofs      [][][]byte `json:"proofs,omitempty"`
	Consistency [][]byte   `json:"consistency,omitempty"`
}

func main() {
	var j job
	if err := json.NewDecoder(os.Stdin).Decode(&j); err != nil {
		fail(fmt.Errorf("reading the job: %v", err))
	}
	out, err := run(j)
	if err != nil {
		fail(err)
	}
	json.NewEncoder(os.Stdout).Encode(out)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

func run(j job) (*result, error) {
	tree, err := openCheckpoint(j.Checkpoint, j.VerifierKeys, j.Origin)
	if err != nil {
		return nil, err
	}
	out := &result{Size: tree.N, Root: tree.Hash[:]}
	switch j.Mode {
	case "checkpoint":
		return out, nil
	case "inclusion":
		if err := tlog.CheckRecord(hashes(j.Proof), tree.N, tree.Hash, j.Index, tlog.RecordHash(j.Entry)); err != nil {
			return nil, fmt.Errorf("inclusion of entry %d in tree %d: %v", j.Index, tree.N, err)
		}
		return out, nil
	case "consistency":
		old, err := openCheckpoint(j.OldCheckpoint, j.VerifierKeys, j.Origin)
		if err != nil {
			return nil, err
		}
		if err := tlog.CheckTree(hashes(j.Proof), tree.N, tree.Hash, old.N, old.Hash); err != nil {
			return nil, fmt.Errorf("consistency of tree %d with tree %d: %v", tree.N, old.N, err)
		}
		return out, nil
	case "tiles":
		return readTiles(j, tree, out)
	}
	return nil, fmt.Errorf("unknown mode %q", j.Mode)
}

// openCheckpoint opens a C2SP checkpoint with note.Open and parses its body (tlog.ParseTree only
// knows the go.sum database's own origin line).
func openCheckpoint(text string, vkeys []string, origin string) (tlog.Tree, error) {
	var verifiers []note.Verifier
	for _, vkey := range vkeys {
		v, err := note.NewVerifier(vkey)
		if err != nil {
			return tlog.Tree{}, fmt.Errorf("verifier key %q: %v", vkey, err)
		}
		verifiers = append(verifiers, v)
	}
	n, err := note.Open([]byte(text), note.VerifierList(verifiers...))
	if err != nil {
		return tlog.Tree{}, fmt.Errorf("opening the checkpoint: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(n.Text, "\n"), "\n")
	if len(lines) < 3 || lines[0] != origin {
		return tlog.Tree{}, errors.New("malformed checkpoint body or wrong origin")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return tlog.Tree{}, errors.New("malformed checkpoint size")
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		return tlog.Tree{}, errors.New("malformed checkpoint root hash")
	}
	var hash tlog.Hash
	copy(hash[:], root)
	return tlog.Tree{N: size, Hash: hash}, nil
}

func hashes(raw [][]byte) []tlog.Hash {
	out := make([]tlog.Hash, len(raw))
	for i, h := range raw {
		copy(out[i][:], h)
		if len(h) != tlog.HashSize {
			// A proof element of the wrong size can never verify; keep it distinguishable.
			out[i][0] ^= 0xff
		}
	}
	return out
}

// c2spTiles serves Go's height-8 tiles from a C2SP layout: Go names them tile/8/L/N, C2SP tile/L/N.
type c2spTiles struct{ dir string }

func (t c2spTiles) Height() int { return 8 }

func (t c2spTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, tile := range tiles {
		path := strings.Replace(tile.Path(), "tile/8/", "tile/", 1)
		data, err := os.ReadFile(filepath.Join(t.dir, filepath.FromSlash(path)))
		if err != nil {
			return nil, err
		}
		out[i] = data
	}
	return out, nil
}

func (t c2spTiles) SaveTiles([]tlog.Tile, [][]byte) {}

// readTiles authenticates the tiles against the checkpoint, checks each requested entry from its
// entry bundle against the authenticated leaf hash, and returns Go's own proofs for comparison.
func readTiles(j job, tree tlog.Tree, out *result) (*result, error) {
	reader := tlog.TileHashReader(tree, c2spTiles{j.TileDir})
	root, err := tlog.TreeHash(tree.N, reader)
	if err != nil || root != tree.Hash {
		return nil, fmt.Errorf("tree hash from tiles: %v", err)
	}
	for _, index := range j.Indexes {
		entry, err := readEntry(j.TileDir, index, tree.N)
		if err != nil {
			return nil, err
		}
		leaf, err := reader.ReadHashes([]int64{tlog.StoredHashIndex(0, index)})
		if err != nil {
			return nil, fmt.Errorf("leaf hash %d: %v", index, err)
		}
		if leaf[0] != tlog.RecordHash(entry) {
			return nil, fmt.Errorf("entry %d in its bundle does not hash to the leaf in the tiles", index)
		}
		proof, err := tlog.ProveRecord(tree.N, index, reader)
		if err != nil {
			return nil, fmt.Errorf("proving entry %d: %v", index, err)
		}
		// TileHashReader does not authenticate every tile it reads (a full tile below a level-1 tile
		// shared by several subtree roots is taken as is), so the derived proof is checked as well.
		if err := tlog.CheckRecord(proof, tree.N, tree.Hash, index, leaf[0]); err != nil {
			return nil, fmt.Errorf("proof derived from the tiles for entry %d: %v", index, err)
		}
		out.Proofs = append(out.Proofs, raw(proof))
	}
	if j.OldSize > 0 {
		proof, err := tlog.ProveTree(tree.N, j.OldSize, reader)
		if err != nil {
			return nil, fmt.Errorf("proving consistency from %d: %v", j.OldSize, err)
		}
		out.Consistency = raw(proof)
	}
	return out, nil
}

// readEntry reads entry `index` from the C2SP entry bundle holding it (big-endian uint16 lengths).
func readEntry(dir string, index, size int64) ([]byte, error) {
	n := index / 256
	width := size - n*256
	name := tlog.Tile{H: 8, L: 0, N: n, W: 256}.Path()
	if width < 256 {
		name = tlog.Tile{H: 8, L: 0, N: n, W: int(width)}.Path()
	}
	path := strings.Replace(name, "tile/8/0/", "tile/entries/", 1)
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(path)))
	if err != nil {
		return nil, err
	}
	for i := int64(0); ; i++ {
		if len(data) < 2 {
			return nil, fmt.Errorf("entry %d is missing from %s", index, path)
		}
		length := int(binary.BigEndian.Uint16(data))
		if len(data) < 2+length {
			return nil, fmt.Errorf("truncated bundle %s", path)
		}
		if i == index%256 {
			return append([]byte(nil), data[2:2+length]...), nil
		}
		data = data[2+length:]
	}
}

func raw(proof []tlog.Hash) [][]byte {
	out := make([][]byte, len(proof))
	for i := range proof {
		out[i] = proof[i][:]
	}
	return out
}
