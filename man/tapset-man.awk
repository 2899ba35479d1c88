# tapset-man.awk - man pages from the tapset library's doc comments.
# Run by man/gen-tapset-man (which see for the arguments) in the tapset
# directory, over every .stp and .stpm file; doc/man.md describes the
# comment format.  Plain POSIX awk (mawk, gawk and busybox awk run it).
#
# A doc comment starts with a line "/**" and ends with "*/"; its first
# line names what it documents:
#
#   /**
#    * sfunction NAME - SUMMARY        (a function; "function" is accepted)
#    * probe NAME - SUMMARY            (a probe alias)
#    * smacro NAME - SUMMARY           (a library macro, @define)
#    * @ARG: text                      (a parameter, or a variable the alias sets)
#    *
#    * free text, or sections "Description:", "Returns:", "Context:", ...
#    *   lines indented by two spaces are shown as they are (examples)
#    */
#   function NAME:TYPE (ARG:TYPE, ...)     the declaration follows
#
# Output, in OUT (a directory with man3/): function::NAME.3stap,
# probe::NAME.3stap, macro::NAME.3stap, tapset::GROUP.3stap (GROUP: the
# file's base name; the sysc_*.stp files form "syscalls"), and each
# TEMPLATE (a page.in) with its index markers filled in.  Problems are
# reported on stderr as FILE:LINE: messages (with -v strict=1 the exit
# status is 1 then).

BEGIN {
	npages = 0; ngroups = 0; bad = 0
	state = 0
	TH_SOURCE = "systemtap-c"
	TH_MANUAL = "SystemTap Tapset Reference"
}

function warn(msg) {
	printf("gen-tapset-man: %s:%d: %s\n", FILENAME, FNR, msg) > "/dev/stderr"
	bad = 1
}

function trim(s) {
	sub(/^[ \t]+/, "", s)
	sub(/[ \t]+$/, "", s)
	return s
}

# roff-safe text: backslashes shown as such, '-' as a minus (copyable
# options and code), no control character at the start of a line
function esc(s) {
	gsub(/\\/, "\\e", s)
	gsub(/-/, "\\-", s)
	if (s ~ /^[.']/)
		s = "\\&" s
	return s
}

function group_of(file,    g) {
	g = file
	sub(/^.*\//, "", g)
	sub(/\.stpm?$/, "", g)
	if (g ~ /^sysc_/)
		g = "syscalls"
	return g
}

# ---------------------------------------------------------------------
# reading the comments

FNR == 1 && NR > 1 {
	if (state == 1)
		warn("unterminated doc comment")
	else if (state == 2)
		warn("the doc comment of " d_kind " " d_name " is followed by nothing")
	state = 0
}

# the declaration after a doc comment
state == 2 {
	if (d_decl == "" && ($0 ~ /^[ \t]*$/ || $0 ~ /^[ \t]*\/\//))
		next
	d_decl = d_decl (d_decl == "" ? "" : " ") trim($0)
	# a function's parameter list may go on over a few lines
	if (d_kind == "function" && index(d_decl, ")") == 0 && ++d_decllines < 8)
		next
	take_decl(d_decl)
	state = 0
	next
}

state == 1 && /\*\// {
	line = $0
	sub(/[ \t]*\*\/.*$/, "", line)
	sub(/^[ \t]*\*?[ ]?/, "", line)
	if (trim(line) != "")
		doc_line(line)
	state = (d_kind != "") ? 2 : 0
	d_decl = ""; d_decllines = 0
	next
}

state == 1 {
	line = $0
	if (line ~ /^[ \t]*\*/) {
		sub(/^[ \t]*\*/, "", line)
		sub(/^ /, "", line)
	}
	doc_line(line)
	next
}

/^[ \t]*\/\*\*[ \t]*$/ {
	state = 1
	d_kind = ""; d_name = ""; d_summary = ""; d_header = 0
	d_nargs = 0; d_nsect = 0; d_cur = ""; d_line = FNR
	split("", d_argtext); split("", d_args); split("", d_sect); split("", d_sects)
	next
}

{ next }

function doc_line(line,    t, m, name, sect) {
	t = trim(line)
	if (!d_header) {
		if (t == "")
			return
		d_header = 1
		if (match(t, /^(sfunction|function|probe|smacro)[ \t]+[^ \t]+[ \t]+-[ \t]/)) {
			d_kind = t; sub(/[ \t].*$/, "", d_kind)
			if (d_kind == "sfunction")
				d_kind = "function"
			if (d_kind == "smacro")
				d_kind = "macro"
			name = t; sub(/^[a-z]+[ \t]+/, "", name); sub(/[ \t].*$/, "", name)
			d_name = name
			d_summary = substr(t, RLENGTH + 1)
			d_summary = trim(d_summary)
		}
		# any other /** comment is not a tapset reference entry
		return
	}
	if (d_kind == "")
		return
	if (t == "") {
		if (d_cur ~ /^@/)
			d_cur = ""
		else if (d_cur != "")
			d_sect[d_cur] = d_sect[d_cur] "\n\001P"
		return
	}
	if (match(t, /^@[A-Za-z_0-9]+:/)) {
		name = substr(t, 2, RLENGTH - 2)
		d_args[++d_nargs] = name
		d_argtext[name] = trim(substr(t, RLENGTH + 1))
		d_cur = "@" name
		return
	}
	if (d_cur ~ /^@/) {
		d_argtext[substr(d_cur, 2)] = d_argtext[substr(d_cur, 2)] " " t
		return
	}
	if (match(t, /^[A-Z][A-Za-z]*( [A-Za-z]+)?:/) && line !~ /^  /) {
		sect = toupper(substr(t, 1, RLENGTH - 1))
		if (sect == "RETURNS" || sect == "RETURN")
			sect = "RETURN VALUE"
		if (sect == "EXAMPLE")
			sect = "EXAMPLES"
		t = trim(substr(t, RLENGTH + 1))
		d_cur = sect
		if (!(sect in d_sect)) {
			d_sects[++d_nsect] = sect
			d_sect[sect] = ""
		}
		if (t != "")
			d_sect[sect] = d_sect[sect] "\n" t
		return
	}
	if (d_cur == "") {
		d_cur = "DESCRIPTION"
		if (!(d_cur in d_sect)) {
			d_sects[++d_nsect] = d_cur
			d_sect[d_cur] = ""
		}
	}
	if (line ~ /^  /)
		d_sect[d_cur] = d_sect[d_cur] "\n\001L" substr(line, 3)
	else
		d_sect[d_cur] = d_sect[d_cur] "\n" t
}

# The declaration line: check it names what the comment says, and take
# the synopsis from it.
function take_decl(line,    t, syn, def, key, i, a, s, g, n) {
	t = trim(line)
	syn = ""; def = ""
	if (d_kind == "function") {
		if (t !~ /^(private[ \t]+)?function[ \t]/) {
			warn("the doc comment of function " d_name " is not followed by its declaration")
			return
		}
		sub(/^(private[ \t]+)?function[ \t]+/, "", t)
		if (index(t, ")") == 0) {
			warn("function " d_name ": no parameter list")
			return
		}
		syn = substr(t, 1, index(t, ")"))
		n = syn; sub(/[:( \t].*$/, "", n)
		gsub(/[ \t]+\(/, "(", syn)
		gsub(/[ \t]+/, " ", syn)
	} else if (d_kind == "probe") {
		if (t !~ /^probe[ \t]/) {
			warn("the doc comment of probe " d_name " is not followed by its alias")
			return
		}
		sub(/^probe[ \t]+/, "", t)
		n = t; sub(/[ \t=,].*$/, "", n)
		syn = n
		if (index(t, "=")) {
			def = substr(t, index(t, "=") + 1)
			sub(/[ \t]*\{.*$/, "", def)
			def = trim(def)
		}
	} else {
		if (t !~ /^@define[ \t]/) {
			warn("the doc comment of macro " d_name " is not followed by its @define")
			return
		}
		sub(/^@define[ \t]+/, "", t)
		n = t; sub(/[( \t].*$/, "", n)
		syn = t; sub(/[ \t]*%\(.*$/, "", syn)
		syn = "@" trim(syn)
	}
	if (n != d_name) {
		warn("the doc comment names " d_kind " " d_name " but " n " follows")
		return
	}
	# internal helpers (a leading '_', or private) have no page
	if (d_name ~ /^_/ || line ~ /^[ \t]*private[ \t]/)
		return
	key = d_kind "::" d_name
	if (!(key in p_kind)) {
		pages[++npages] = key
		p_kind[key] = d_kind
		p_name[key] = d_name
		p_summary[key] = d_summary
		p_syn[key] = ""
		p_nargs[key] = 0
		p_nsect[key] = 0
		p_files[key] = ""
		p_def[key] = ""
		g = group_of(FILENAME)
		p_group[key] = g
		if (!(g in g_n)) {
			groups[++ngroups] = g
			g_n[g] = 0
			g_files[g] = ""
		}
		g_entries[g, ++g_n[g]] = key
	}
	g = p_group[key]
	if (index(" " g_files[g] " ", " " FILENAME " ") == 0)
		g_files[g] = g_files[g] (g_files[g] == "" ? "" : " ") FILENAME
	if (d_summary == "")
		warn(d_kind " " d_name " has no summary")
	# overloads: one page, every signature, the union of the arguments
	if (index("\n" p_syn[key] "\n", "\n" syn "\n") == 0)
		p_syn[key] = p_syn[key] (p_syn[key] == "" ? "" : "\n") syn
	if (def != "" && p_def[key] == "")
		p_def[key] = def
	if (index(" " p_files[key] " ", " " FILENAME " ") == 0)
		p_files[key] = p_files[key] (p_files[key] == "" ? "" : " ") FILENAME
	for (i = 1; i <= d_nargs; i++) {
		a = d_args[i]
		if (!((key, "arg", a) in p_arg)) {
			p_args[key, ++p_nargs[key]] = a
			p_arg[key, "arg", a] = d_argtext[a]
		}
	}
	for (i = 1; i <= d_nsect; i++) {
		s = d_sects[i]
		if (!((key, "sect", s) in p_sect)) {
			p_sects[key, ++p_nsect[key]] = s
			p_sect[key, "sect", s] = d_sect[s]
		} else if (index(p_sect[key, "sect", s], d_sect[s]) == 0) {
			p_sect[key, "sect", s] = p_sect[key, "sect", s] "\n\001P" d_sect[s]
		}
	}
}

# ---------------------------------------------------------------------
# writing the pages

# TEXT: lines, "\001P" a paragraph break, "\001L..." a literal line
function emit_text(f, text,    n, l, i, lit, started) {
	n = split(text, l, "\n")
	lit = 0; started = 0
	for (i = 1; i <= n; i++) {
		if (l[i] == "")
			continue
		if (l[i] == "\001P") {
			if (lit) { print ".fi\n.RE" > f; lit = 0 }
			if (started)
				print ".PP" > f
			started = 0
			continue
		}
		if (substr(l[i], 1, 1) == "\001") {
			if (!lit) { print ".RS 4\n.nf" > f; lit = 1 }
			print esc(substr(l[i], 3)) > f
			started = 1
			continue
		}
		if (lit) { print ".fi\n.RE" > f; lit = 0 }
		# a paragraph starts with a capital, unless with an identifier
		if (!started && l[i] ~ /^[a-z]+([ ,;:.]|$)/)
			l[i] = toupper(substr(l[i], 1, 1)) substr(l[i], 2)
		print esc(l[i]) > f
		started = 1
	}
	if (lit)
		print ".fi\n.RE" > f
}

function th(f, title) {
	# the header repeats the title on both sides of the manual's name;
	# long titles leave no room for it
	printf(".TH \"%s\" 3stap \"\" \"%s\" \"%s\"\n", toupper(title),
	       TH_SOURCE, 2 * length(title) + length(TH_MANUAL) + 16 > 78 ? "" : TH_MANUAL) > f
	print ".\\\" Generated by man/gen-tapset-man from the tapset's doc comments." > f
	print ".nh" > f
}

function page_file(key) {
	return out "/man3/" key ".3stap"
}

function write_page(key,    f, kind, i, n, s, syn, sy, files, fl, j) {
	f = page_file(key)
	kind = p_kind[key]
	th(f, key)
	print ".SH NAME" > f
	print esc(key) " \\- " esc(p_summary[key]) > f
	print ".SH SYNOPSIS" > f
	print ".nf" > f
	n = split(p_syn[key], sy, "\n")
	for (i = 1; i <= n; i++)
		print "\\fB" esc(sy[i]) "\\fR" > f
	print ".fi" > f
	if (p_nargs[key] > 0) {
		print (kind == "probe" ? ".SH VALUES" : ".SH ARGUMENTS") > f
		for (i = 1; i <= p_nargs[key]; i++) {
			print ".TP" > f
			print ".I " esc(p_args[key, i]) > f
			print esc(p_arg[key, "arg", p_args[key, i]]) > f
		}
	}
	for (i = 1; i <= p_nsect[key]; i++) {
		s = p_sects[key, i]
		print ".SH " s > f
		emit_text(f, p_sect[key, "sect", s])
	}
	print ".SH TAPSET" > f
	n = split(p_files[key], fl, " ")
	print "Defined in" > f
	for (j = 1; j <= n; j++)
		print (j < n ? ".IR " fl[j] " ," : ".I " fl[j]) > f
	if (kind == "probe" && p_def[key] != "") {
		print "in the tapset directory, as an alias of" > f
		# one target a line, unfilled: a list may be too long for one
		def = esc(p_def[key])
		gsub(/, /, ",\n", def)
		print ".nf" > f
		print "\\fB" def "\\fR." > f
		print ".fi" > f
	} else
		print "in the tapset directory." > f
	print ".SH SEE ALSO" > f
	print ".BR tapset::" p_group[key] " (3stap)," > f
	if (kind == "probe")
		print ".BR stapprobes (3stap)," > f
	else if (kind == "function")
		print ".BR stapfuncs (3stap)," > f
	print ".BR stap (1)" > f
	close(f)
}

# the entries of a group, as .TP items
function group_list(f, g, kind,    i, key, any) {
	any = 0
	for (i = 1; i <= g_n[g]; i++) {
		key = g_entries[g, i]
		if (kind != "" && p_kind[key] != kind)
			continue
		print ".TP" > f
		print ".BR " esc(key) " (3stap)" > f
		print esc(p_summary[key]) > f
		any = 1
	}
	return any
}

function write_group(g,    f, n, fl, j, has, what) {
	f = out "/man3/tapset::" g ".3stap"
	th(f, "tapset::" g)
	print ".SH NAME" > f
	split("", has)
	for (j = 1; j <= g_n[g]; j++)
		has[p_kind[g_entries[g, j]]] = 1
	what = ""
	if ("function" in has)
		what = "functions"
	if ("probe" in has)
		what = what (what == "" ? "" : ("macro" in has) ? ", " : " and ") "probe aliases"
	if ("macro" in has)
		what = what (what == "" ? "" : " and ") "macros"
	print "tapset::" g " \\- the " what " of the " esc(g) " tapset" > f
	print ".SH DESCRIPTION" > f
	n = split(g_files[g], fl, " ")
	print "Defined in" > f
	for (j = 1; j <= n; j++)
		print (j < n ? ".IR " fl[j] " ," : ".I " fl[j]) > f
	print "in the tapset directory; each entry has a page of its own." > f
	print ".SH ENTRIES" > f
	group_list(f, g, "")
	print ".SH SEE ALSO" > f
	print ".BR stapfuncs (3stap)," > f
	print ".BR stapprobes (3stap)," > f
	print ".BR stap (1)" > f
	close(f)
}

# every group having entries of KIND, with those entries
function index_of(f, kind,    i, g, j, key, any) {
	for (i = 1; i <= ngroups; i++) {
		g = groups[i]
		any = 0
		for (j = 1; j <= g_n[g]; j++)
			if (p_kind[g_entries[g, j]] == kind)
				any = 1
		if (!any)
			continue
		print ".SS " esc(g) " (\\fBtapset::" esc(g) "\\fR(3stap))" > f
		group_list(f, g, kind)
	}
}

function fill_template(tpl,    f, base, line, n) {
	base = tpl
	sub(/^.*\//, "", base)
	sub(/\.in$/, "", base)
	f = out "/man3/" base
	while ((getline line < tpl) > 0) {
		if (line ~ /^\.\\" @FUNCTION_INDEX@/)
			index_of(f, "function")
		else if (line ~ /^\.\\" @PROBE_INDEX@/)
			index_of(f, "probe")
		else if (line ~ /^\.\\" @MACRO_INDEX@/)
			index_of(f, "macro")
		else if (line ~ /^\.\\" @COUNTS@/) {
			for (n = 1; n <= npages; n++)
				count[p_kind[pages[n]]]++
			printf("%d functions, %d probe aliases and %d macros are documented\n",
			       count["function"], count["probe"], count["macro"]) > f
			print "in this installation." > f
		} else
			print line > f
	}
	close(tpl)
	close(f)
}

END {
	if (state == 1)
		warn("unterminated doc comment")
	else if (state == 2)
		warn("the doc comment of " d_kind " " d_name " is followed by nothing")
	for (i = 1; i <= npages; i++)
		write_page(pages[i])
	for (i = 1; i <= ngroups; i++)
		write_group(groups[i])
	nt = split(templates, tpls, " ")
	for (i = 1; i <= nt; i++)
		fill_template(tpls[i])
	if (verbose)
		printf("gen-tapset-man: %d pages, %d tapset groups\n", npages, ngroups) > "/dev/stderr"
	exit strict ? bad : 0
}
