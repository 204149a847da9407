// SPDX-License-Identifier: MIT
/*
 * spawn_cost: what starting one helper costs the caller, by way of
 * starting it, with the caller holding a touched heap of 0, 64 and 256 MB
 * (4 KiB pages). It includes pv_lxccli.c, so "clone+exec" is the plugin's
 * own spawn_helper(); the others are the ways it was or could be done:
 *
 * - fork+fork: the double fork the plugin used before (middle reaped at
 *   once, helper a copy of the caller);
 * - clone, waiting: two clone(CLONE_VM | CLONE_VFORK), the caller waits
 *   until the helper has called execve();
 * - clone, not waiting: spawn_helper(), the plugin's way: the caller waits
 *   for the middle child only, which starts the helper without
 *   CLONE_VFORK (it runs on in an area of its own until its execve());
 * - forker, one message: launch_helper(), the plugin's way since the
 *   forker: one sendmsg() to the helper forker started beforehand, which
 *   forks the helper (here it ends at once: its "job" is not one);
 * - posix_spawn+wait: posix_spawn() of a program that exits at once,
 *   waited for: the least a middle process that is a program of its own
 *   (posix_spawn of the .so in a "middle" mode that forks the helper and
 *   exits) would cost, since the caller must reap it to leave no zombie.
 *
 * It also prints VmRSS + VmPTE of the helper each way leaves: a fork copy
 * keeps the caller's pages mapped (VmRSS counts them) and its page tables.
 *
 *   build/tests/spawn_cost build/pv_lxccli.so [ROUNDS]
 */
#include "../pv_lxccli.c"

#include <spawn.h>
#include <sys/prctl.h>

#define ROUNDS 200

static char *heap;
static size_t heap_len;
static int hold_w = -1; /* the write end: a fork copy must not keep it */

static void set_heap(size_t mb)
{
	if (heap)
		munmap(heap, heap_len);
	heap = NULL;
	heap_len = mb << 20;
	if (!heap_len)
		return;
	heap = mmap(NULL, heap_len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (heap == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	madvise(heap, heap_len, MADV_NOHUGEPAGE);
	memset(heap, 0x5a, heap_len);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* The old way; the helper sleeps on a pipe until told to go. */
static void way_fork(int hold)
{
	pid_t mid = fork();

	if (mid == 0) {
		if (fork() == 0) {
			char c;

			close(hold_w);
			if (read(hold, &c, 1) < 0)
				_exit(1);
			_exit(0);
		}
		_exit(0);
	}
	waitpid(mid, NULL, 0);
}

static void way_clone(int hold)
{
	char fd[16];
	char *argv[] = { HELPER_ARGV0, fd, "cost", "x", NULL };
	int keep[] = { hold, -1 };

	/* not a job: the helper waits on its stdin-like fd, then exits */
	snprintf(fd, sizeof(fd), "%d", hold);
	spawn_helper(argv, keep, -1);
}

static void way_clone_wait(int hold)
{
	char fd[16];
	char *argv[] = { HELPER_ARGV0, fd, "cost", "x", NULL };
	int keep[] = { hold, -1 };

	snprintf(fd, sizeof(fd), "%d", hold);
	spawn_helper_waiting(argv, keep);
}

static void way_forker(int hold)
{
	char fd[16];
	char *argv[] = { HELPER_ARGV0, fd, "cost", "x", NULL };
	int keep[] = { hold, -1 }, err = dup(2), null;

	/* the forked helper says its "job" is not one, on our stderr */
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	dup2(null, 2);
	snprintf(fd, sizeof(fd), "%d", hold);
	launch_helper(argv, keep, -1);
	dup2(err, 2);
	close(err);
	close(null);
}

static void way_posix_spawn(int hold)
{
	char *argv[] = { "true", NULL };
	pid_t pid;

	(void)hold;
	if (posix_spawnp(&pid, "true", NULL, NULL, argv, environ) == 0)
		waitpid(pid, NULL, 0);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The largest VmRSS + VmPTE of a helper, sampled while it waits. */
static long sample_helper(void (*way)(int), const char *so)
{
	int hold[2];
	long best = -1;
	char path[64], line[256];

	(void)so;
	if (pipe2(hold, O_CLOEXEC) < 0)
		return -1;
	hold_w = hold[1];
	way(hold[0]);
	for (int tick = 0; tick < 50; tick++) {
		DIR *d = opendir("/proc");
		struct dirent *e;

		poll(NULL, 0, 2);
		while (d && (e = readdir(d))) {
			long rss = -1, pte = 0, v, ppid = -1;
			pid_t pid = atoi(e->d_name);
			FILE *f;

			if (pid <= 0 || pid == getpid())
				continue;
			snprintf(path, sizeof(path), "/proc/%d/status", pid);
			f = fopen(path, "re");
			if (!f)
				continue;
			while (fgets(line, sizeof(line), f)) {
				sscanf(line, "VmRSS: %ld", &rss);
				sscanf(line, "VmPTE: %ld", &pte);
				if (sscanf(line, "PPid: %ld", &v) == 1)
					ppid = v;
			}
			fclose(f);
			/* a subreaper: the helper becomes our child */
			if (ppid == getpid() && rss >= 0 && rss + pte > best)
				best = rss + pte;
		}
		if (d)
			closedir(d);
	}
	close(hold[1]); /* the helper ends */
	close(hold[0]);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	return best;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*fn)(int);
	} ways[] = { { "fork+fork", way_fork },
		     { "clone, waiting for the execve", way_clone_wait },
		     { "clone, not waiting (the plugin before the forker)",
		       way_clone },
		     { "forker, one message (the plugin)", way_forker },
		     { "posix_spawn+wait", way_posix_spawn } };
	static const size_t heaps[] = { 0, 64, 256 };
	int rounds = argc > 2 ? atoi(argv[2]) : ROUNDS;
	double *t;

	if (argc > 2 && !strcmp(argv[0], HELPER_ARGV0) &&
	    !strcmp(argv[2], FORKER_ARG))
		helper_main(argc, argv);
	if (argc > 0 && !strcmp(argv[0], HELPER_ARGV0)) {
		char c;

		/* the clone+exec helper of this program: wait, then end */
		if (argc > 1 && read(atoi(argv[1]), &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	if (argc < 2 || rounds < 1) {
		fprintf(stderr, "usage: %s PLUGIN.so [ROUNDS]\n", argv[0]);
		return 1;
	}
	/* the program exec'd is this one (its helper mode above): what the
	 * caller pays ends at the execve(), whatever the program */
	snprintf(helper_exe, sizeof(helper_exe), "/proc/self/exe");
	t = calloc((size_t)rounds, sizeof(*t));
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	printf("| way | heap | caller, median us | min | max | helper "
	       "VmRSS+VmPTE kB |\n|---|---|---|---|---|---|\n");
	for (size_t w = 0; w < ARRAY_SIZE(ways); w++) {
		for (size_t k = 0; k < ARRAY_SIZE(heaps); k++) {
			int hold[2];
			long kb;

			set_heap(heaps[k]);
			for (int i = 0; i < rounds; i++) {
				double t0;

				if (pipe2(hold, O_CLOEXEC) < 0)
					return 1;
				hold_w = hold[1];
				t0 = now_us();
				ways[w].fn(hold[0]);
				t[i] = now_us() - t0;
				close(hold[1]);
				close(hold[0]);
				while (waitpid(-1, NULL, WNOHANG) > 0)
					;
			}
			forker_close(); /* it ends: the wait below ends */
			while (waitpid(-1, NULL, 0) > 0)
				;
			qsort(t, (size_t)rounds, sizeof(*t), cmp);
			kb = ways[w].fn == way_posix_spawn ||
					     ways[w].fn == way_forker ?
				     -1 :
				     sample_helper(ways[w].fn, argv[1]);
			printf("| %s | %zu MB | %.0f | %.0f | %.0f | %ld |\n",
			       ways[w].name, heaps[k], t[rounds / 2], t[0],
			       t[rounds - 1], kb);
			fflush(stdout);
		}
	}
	set_heap(0);
	free(t);
	return 0;
}
