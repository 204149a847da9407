// SPDX-License-Identifier: MIT
/*
 * The plugin's dynamic symbol table holds the contract's entry points and
 * nothing else, and the plugin loads with RTLD_NOW into this executable,
 * which is linked without -rdynamic and so exports nothing to it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

static const char *plugin;

static const char *const entry_points[] = {
	"pv_start_container",	      "pv_stop_container",
	"pv_set_pv_conf_loglevel_fn", "pv_set_pv_conf_capture_fn",
	"pv_console_log_getfd",	      "pv_set_pv_instance_fn",
	"pv_set_pv_paths_fn",
#if PV_LXCCLI_CORE >= 202608
	"pv_validate_container_config", "pv_enumerate_static_ips",
#endif
};

/* Symbols the linker itself may define in any shared object. */
static bool linker_symbol(const char *name)
{
	return !strcmp(name, "_init") || !strcmp(name, "_fini");
}

static bool wanted(const char *name)
{
	for (size_t i = 0; i < sizeof(entry_points) / sizeof(*entry_points);
	     i++)
		if (!strcmp(name, entry_points[i]))
			return true;
	return false;
}

struct dynsyms {
	char names[64][64];
	size_t n;
};

#define READ_DYNSYMS(EHDR, SHDR, SYM, ST_BIND)                               \
	do {                                                                 \
		const EHDR *eh = map;                                        \
		const SHDR *sh = (const SHDR *)((const char *)map +          \
						eh->e_shoff);                \
		for (size_t i = 0; i < eh->e_shnum; i++) {                   \
			const SYM *sym;                                      \
			const char *str;                                     \
			if (sh[i].sh_type != SHT_DYNSYM)                     \
				continue;                                    \
			sym = (const SYM *)((const char *)map +              \
					    sh[i].sh_offset);                \
			str = (const char *)map +                            \
			      sh[sh[i].sh_link].sh_offset;                   \
			for (size_t k = 0;                                   \
			     k < sh[i].sh_size / sizeof(SYM); k++) {         \
				if (sym[k].st_shndx == SHN_UNDEF ||          \
				    ST_BIND(sym[k].st_info) == STB_LOCAL)    \
					continue;                            \
				assert_true(out->n < 64);                    \
				snprintf(out->names[out->n++], 64, "%s",     \
					 str + sym[k].st_name);              \
			}                                                    \
		}                                                            \
	} while (0)

/* The defined global symbols of .dynsym, for 32- and 64-bit ELF. */
static void read_dynsyms(const char *path, struct dynsyms *out)
{
	struct stat st;
	void *map;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	assert_true(map != MAP_FAILED);
	out->n = 0;
	if (((const unsigned char *)map)[EI_CLASS] == ELFCLASS64)
		READ_DYNSYMS(Elf64_Ehdr, Elf64_Shdr, Elf64_Sym,
			     ELF64_ST_BIND);
	else
		READ_DYNSYMS(Elf32_Ehdr, Elf32_Shdr, Elf32_Sym,
			     ELF32_ST_BIND);
	munmap(map, (size_t)st.st_size);
	close(fd);
}

static void test_exports_exactly_the_entry_points(void **state)
{
	struct dynsyms s;
	size_t found = 0;

	(void)state;
	read_dynsyms(plugin, &s);
	for (size_t i = 0; i < s.n; i++) {
		if (linker_symbol(s.names[i]))
			continue;
		if (!wanted(s.names[i]))
			fail_msg("unexpected export '%s'", s.names[i]);
		found++;
	}
	assert_int_equal(found, sizeof(entry_points) / sizeof(*entry_points));
}

static void test_loads_with_rtld_now_into_a_bare_host(void **state)
{
	void *h;

	(void)state;
	h = dlopen(plugin, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		fail_msg("dlopen: %s", dlerror());
	for (size_t i = 0; i < sizeof(entry_points) / sizeof(*entry_points);
	     i++)
		assert_non_null(dlsym(h, entry_points[i]));
	/* a symbol of the Pantavisor executable must not be needed */
	assert_null(dlsym(h, "__log"));
}

/*
 * The .so is also the program of its helpers: run without a job it says
 * so on stderr and exits 1, as its own loader (PT_INTERP) ran it.
 */
static void test_runs_as_a_program(void **state)
{
	char *argv[] = { (char *)plugin, NULL }, out[512];
	int pipefd[2], st;
	ssize_t n, len = 0;
	pid_t pid;
	if (getenv("PV_LXCCLI_EMULATED")) {
		print_message("SKIP: under qemu-user this program cannot execve() "
			      "the helper program (tests/ci-embedded.sh runs it "
			      "under qemu-user itself)\n");
		skip();
	}

	(void)state;
	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(pipefd[1], 2);
		execv(plugin, argv);
		_exit(127);
	}
	close(pipefd[1]);
	while (len < (ssize_t)sizeof(out) - 1 &&
	       (n = read(pipefd[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += n;
	out[len] = '\0';
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 1);
	if (!strstr(out, "pv_lxccli: ERROR: helper cannot read its job"))
		fail_msg("unexpected output: %s", out);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exports_exactly_the_entry_points),
		cmocka_unit_test(test_loads_with_rtld_now_into_a_bare_host),
		cmocka_unit_test(test_runs_as_a_program),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s PLUGIN.so\n", argv[0]);
		return 2;
	}
	plugin = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
