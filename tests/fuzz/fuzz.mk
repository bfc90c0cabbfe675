# fuzz.mk: berth's sources and the libFuzzer harnesses, built with clang
# into the fuzz build directory. tests/fuzz/run.sh runs it with SRCDIR,
# BUILDDIR, SOURCES (libberth.a's .c files, from Makefile.am), NAMES, CC,
# PKG_CFLAGS and PKG_LIBS set.
SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS = -O1 -g $(SAN) -I$(SRCDIR) -I$(BUILDDIR) -D_GNU_SOURCE \
	-DSYSCONFDIR='"/nonexistent"' -DBERTH_MODULEDIR='"/nonexistent"' $(PKG_CFLAGS)
OBJ = $(patsubst %.c,obj/%.o,$(SOURCES))

all: $(patsubst %,bin/fuzz-%,$(NAMES))

obj/%.o: $(SRCDIR)/%.c
	@mkdir -p $(@D)
	$(CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

libberth-fuzz.a: $(OBJ)
	rm -f $@
	ar rcs $@ $(OBJ)

bin/fuzz-%: $(SRCDIR)/tests/fuzz/fuzz-%.c $(SRCDIR)/tests/fuzz/fuzz.h libberth-fuzz.a
	@mkdir -p $(@D)
	$(CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -MMD -MP $< libberth-fuzz.a $(PKG_LIBS) -lpthread -o $@

-include $(OBJ:.o=.d) $(patsubst %,bin/fuzz-%.d,$(NAMES))
.PHONY: all
