"""A synthetic region in the shape of ФИС ОКО exports, generated from a seed (no database).

The region's files look like the real ones (DOMAIN.md, "How a region's data really arrives"):
schools are keyed by their ФИС ОКО login (``sch`` + the region's two-digit code + a number)
and carry **no ИНН or ОГРН**; one file covers the whole region with a municipality column;
names repeat across municipalities («МБОУ СОШ № 1» in most of them); ВПР results come per
school × grade × subject with counts and shares of marks «2»…«5» and the average mark, and
many rural cells have 1–9 pupils.

API (everything else in this module is private)::

    from bench.fis_oko_region import (
        make_fis_oko_region, write_schools_file, write_results_file, write_municipalities_file,
    )
    region = make_fis_oko_region(seed=1, schools=700, municipalities=70)
    region.municipalities   # [{"Муниципалитет": …, "ОКТМО": …, "Широта": …, "Долгота": …}]
    region.schools          # [{"Логин ФИС ОКО": "sch420001", "Муниципалитет": …, …}] one per school
    region.results          # [{"Логин ОО": …, "Наименование МО": …, "Класс": 4, "Предмет": …,
                            #   "Количество участников": n, "Число «2»": …, "Доля «2», %": …, …}]
    region.results_by_year  # {2024: [...rows of that year...]}
    write_schools_file("schools.xlsx", region)          # .csv (UTF-8 with BOM, «;») or .xlsx
    write_results_file("vpr-2024.csv", region, year=2024)
    write_municipalities_file("municipalities.csv", region)

Keyword arguments of ``make_fis_oko_region`` (all optional): ``seed``, ``schools`` (700),
``municipalities`` (70), ``years`` (``(2024,)``), ``cells`` (grade × subject pairs, default
ВПР grades 4 and 5 × mathematics and Russian; ``BENCH_CELLS`` has 7), ``region_name``,
``region_code`` (``"42"``), ``coordinates`` (school latitude/longitude columns, default off),
``context`` (the context questionnaire columns in the schools file, default on).
Each results row is a dict keyed by the exact header; values are ints, floats or strings.
The same arguments always give the same files.

From the shell::

    python -m bench.fis_oko_region --schools 700 --municipalities 70 --out /tmp/region
    # writes municipalities.csv, schools.csv/.xlsx, vpr-<year>.csv/.xlsx
"""

from __future__ import annotations

import argparse
import csv
import math
import random
from dataclasses import dataclass, field
from pathlib import Path

#: Headers exactly as ФИС ОКО exports and the regions' tables write them.
SCHOOL_HEADERS = (
    "Логин ФИС ОКО",
    "Муниципалитет",
    "Наименование ОО",
    "Полное наименование ОО",
    "Адрес",
)
COORDINATE_HEADERS = ("Широта", "Долгота")
CONTEXT_HEADERS = (
    "Количество обучающихся",
    "Количество обучающихся 4 классов",
    "Количество обучающихся 5 классов",
    "Количество педагогических работников",
    "Педагогов высшей категории",
    "Педагогов моложе 30 лет",
    "Количество учебных кабинетов",
    "Компьютеров для обучающихся",
    "Компьютеров с доступом в Интернет",
    "Скорость Интернета, Мбит/с",
    "Тип населённого пункта",
    "Численность населения населённого пункта",
    "Школа-интернат",
    "Коррекционная школа",
    "Вечерняя школа",
)
RESULT_HEADERS = (
    "Логин ОО",
    "Наименование МО",
    "Наименование ОО",
    "Класс",
    "Предмет",
    "Количество участников",
    "Число «2»",
    "Доля «2», %",
    "Число «3»",
    "Доля «3», %",
    "Число «4»",
    "Доля «4», %",
    "Число «5»",
    "Доля «5», %",
    "Средний балл (отметка)",
    "Средний первичный балл",
)
MUNICIPALITY_HEADERS = ("Муниципалитет", "ОКТМО", "Широта", "Долгота")

DEFAULT_CELLS = ((4, "Математика"), (4, "Русский язык"), (5, "Математика"), (5, "Русский язык"))
#: Seven cells for the bench (5,000 schools × 4 years × 7 = 140,000 rows).
BENCH_CELLS = (
    *DEFAULT_CELLS,
    (4, "Окружающий мир"),
    (5, "История"),
    (5, "Биология"),
)
_MAX_SCORE = {"Математика": 20, "Русский язык": 38, "Окружающий мир": 32, "История": 15}

#: Masculine adjectives: «г. Заречный», «Заречный район», «ЗАТО Заречный».
_TOWN_ROOTS = (
    "Заречный",
    "Берёзовский",
    "Северный",
    "Озёрный",
    "Лесной",
    "Каменский",
    "Сосновский",
    "Краснополянский",
    "Нагорный",
    "Светлый",
    "Приморский",
    "Полевой",
    "Кедровый",
    "Малиновский",
    "Ключевской",
    "Луговой",
    "Садовый",
    "Степной",
    "Рябиновский",
    "Ольховский",
    "Дубровский",
    "Боровой",
    "Речной",
    "Таёжный",
    "Лебяжий",
    "Журавлёвский",
    "Соколовский",
    "Медведевский",
    "Зеленовский",
    "Горностаевский",
    "Хвойный",
    "Ясный",
    "Тихорецкий",
)
#: Repeated names: the same school name in many municipalities.
_REPEATED = (
    [f"МБОУ СОШ № {n}" for n in range(1, 16)]
    + [f"МБОУ ООШ № {n}" for n in range(1, 5)]
    + ["МБОУ «Гимназия № 1»", "МБОУ «Лицей № 1»", "МКОУ «Начальная школа – детский сад»"]
)
_SETTLEMENT = ("город", "ПГТ", "село")
_YES_NO = ("нет", "да")


@dataclass
class FisOkoRegion:
    name: str
    code: str
    municipalities: list[dict] = field(default_factory=list)
    schools: list[dict] = field(default_factory=list)
    results_by_year: dict[int, list[dict]] = field(default_factory=dict)
    #: Per school login: the latent strength (0 weak … 1 strong), for tests that need it.
    strength: dict[str, float] = field(default_factory=dict)

    @property
    def results(self) -> list[dict]:
        return [row for year in sorted(self.results_by_year) for row in self.results_by_year[year]]

    @property
    def years(self) -> list[int]:
        return sorted(self.results_by_year)


def _municipality_names(rng: random.Random, count: int) -> list[str]:
    kinds = ("г. {}", "{} район", "{} муниципальный округ", "ЗАТО {}", "{} городской округ")
    names = [
        kinds[(i // len(_TOWN_ROOTS)) % len(kinds)].format(_TOWN_ROOTS[i % len(_TOWN_ROOTS)])
        + (f" {i // (len(_TOWN_ROOTS) * len(kinds)) + 1}" if i >= len(_TOWN_ROOTS) * 5 else "")
        for i in range(count)
    ]
    rng.shuffle(names)
    return names


def _feminine(adjective: str) -> str:
    """«Заречный» → «Заречная», «Берёзовский» → «Берёзовская», «Лебяжий» → «Лебяжья»."""
    if adjective.endswith("жий"):
        return adjective[:-2] + "ья"
    return adjective[:-2] + "ая"


def _oktmo(n: int, code: str) -> str:
    return f"{int(code) % 100:02d}{6 + n % 3}{n:02d}000"[:8]


def _multinomial(rng: random.Random, n: int, probs: tuple[float, ...]) -> list[int]:
    counts = [0] * len(probs)
    for _ in range(n):
        x = rng.random()
        acc = 0.0
        for i, p in enumerate(probs):
            acc += p
            if x < acc:
                counts[i] += 1
                break
        else:
            counts[-1] += 1
    return counts


def _mark_probabilities(strength: float) -> tuple[float, float, float, float]:
    """Shares of «2», «3», «4», «5» for a school of this strength (sum 1)."""
    two = max(0.0, 0.42 - 0.45 * strength)
    five = max(0.02, 0.05 + 0.4 * strength**2)
    four = 0.25 + 0.2 * strength
    three = max(0.05, 1.0 - two - four - five)
    total = two + three + four + five
    return (two / total, three / total, four / total, five / total)


def _share(count: int, n: int) -> float:
    return round(100.0 * count / n, 2) if n else 0.0


def make_fis_oko_region(
    *,
    seed: int = 1,
    schools: int = 700,
    municipalities: int = 70,
    years: tuple[int, ...] | list[int] = (2024,),
    cells: tuple[tuple[int, str], ...] = DEFAULT_CELLS,
    region_name: str = "Заречная область",
    region_code: str = "42",
    coordinates: bool = False,
    context: bool = True,
) -> FisOkoRegion:
    """The region's rows; pure and deterministic (see the module docstring)."""
    if municipalities < 1 or schools < municipalities:
        raise ValueError("need at least one school per municipality")
    rng = random.Random(seed)
    region = FisOkoRegion(name=region_name, code=region_code)
    mun_names = _municipality_names(rng, municipalities)
    centres = []
    for n, name in enumerate(mun_names, start=1):
        lat = round(52.0 + rng.random() * 4.0, 6)
        lon = round(82.0 + rng.random() * 8.0, 6)
        centres.append((lat, lon))
        region.municipalities.append(
            {"Муниципалитет": name, "ОКТМО": _oktmo(n, region_code), "Широта": lat, "Долгота": lon}
        )
    # Every municipality gets at least one school; the rest follow a skewed size.
    weights = [rng.paretovariate(1.3) for _ in mun_names]
    per_mun = [1] * municipalities
    for _ in range(schools - municipalities):
        per_mun[rng.choices(range(municipalities), weights)[0]] += 1
    number = 0
    school_rows: list[tuple[dict, float, int]] = []
    for m, (name, count) in enumerate(zip(mun_names, per_mun, strict=True)):
        town = name.startswith(("г. ", "ЗАТО "))
        used: set[str] = set()
        for k in range(count):
            number += 1
            login = f"sch{region_code}{number:04d}"
            if k < len(_REPEATED) and rng.random() < 0.85:
                short = _REPEATED[k]
            else:
                village = _TOWN_ROOTS[rng.randrange(len(_TOWN_ROOTS))]
                short = f"МКОУ «{_feminine(village)} СОШ» № {number}"
            if short in used:  # never two equal names inside one municipality
                short = f"{short} им. {number}"
            used.add(short)
            full = (
                short.replace("МБОУ", "Муниципальное бюджетное общеобразовательное учреждение")
                .replace("МКОУ", "Муниципальное казённое общеобразовательное учреждение")
                .replace("СОШ", "средняя общеобразовательная школа")
                .replace("ООШ", "основная общеобразовательная школа")
            )
            rural = rng.random() < (0.25 if town else 0.65)
            pupils_per_grade = rng.randint(1, 9) if rural else rng.randint(12, 110)
            strength = min(1.0, max(0.0, rng.gauss(0.55, 0.2) - (0.08 if rural else 0.0)))
            row = {
                "Логин ФИС ОКО": login,
                "Муниципалитет": name,
                "Наименование ОО": short,
                "Полное наименование ОО": full,
                "Адрес": f"{name}, ул. Школьная, д. {k + 1}",
            }
            if coordinates:
                lat, lon = centres[m]
                row["Широта"] = round(lat + rng.uniform(-0.3, 0.3), 6)
                row["Долгота"] = round(lon + rng.uniform(-0.4, 0.4), 6)
            if context:
                pupils = pupils_per_grade * 11 + rng.randint(0, 10)
                teachers = max(3, pupils // 12)
                computers = max(1, pupils // rng.randint(6, 25))
                settlement = 2 if rural else (0 if town else rng.randint(0, 1))
                row.update(
                    {
                        "Количество обучающихся": pupils,
                        "Количество обучающихся 4 классов": pupils_per_grade,
                        "Количество обучающихся 5 классов": max(
                            1, pupils_per_grade + rng.randint(-1, 2)
                        ),
                        "Количество педагогических работников": teachers,
                        "Педагогов высшей категории": rng.randint(0, teachers // 2),
                        "Педагогов моложе 30 лет": rng.randint(0, max(1, teachers // 4)),
                        "Количество учебных кабинетов": max(4, pupils // 20),
                        "Компьютеров для обучающихся": computers,
                        "Компьютеров с доступом в Интернет": rng.randint(0, computers),
                        "Скорость Интернета, Мбит/с": round(rng.choice((2, 10, 50, 100)) * 1.0, 1),
                        "Тип населённого пункта": _SETTLEMENT[settlement],
                        "Численность населения населённого пункта": (
                            rng.randint(150, 3000) if rural else rng.randint(8000, 250000)
                        ),
                        "Школа-интернат": _YES_NO[int(rng.random() < 0.03)],
                        "Коррекционная школа": _YES_NO[int(rng.random() < 0.02)],
                        "Вечерняя школа": "нет",
                    }
                )
            region.schools.append(row)
            region.strength[login] = round(strength, 4)
            school_rows.append((row, strength, pupils_per_grade))
    for y, year in enumerate(sorted(years)):
        rows = []
        for school, strength, size in school_rows:
            drift = math.sin(y + len(school["Логин ФИС ОКО"]) + strength * 7) * 0.05
            for grade, subject in cells:
                n = max(1, size + rng.randint(-2, 2) if size < 10 else size + rng.randint(-8, 8))
                counts = _multinomial(rng, n, _mark_probabilities(min(1.0, strength + drift)))
                mark = sum(c * (i + 2) for i, c in enumerate(counts)) / n
                top = _MAX_SCORE.get(subject, 20)
                score = round(top * (mark - 1.5) / 3.7, 2)
                row = {
                    "Логин ОО": school["Логин ФИС ОКО"],
                    "Наименование МО": school["Муниципалитет"],
                    "Наименование ОО": school["Наименование ОО"],
                    "Класс": grade,
                    "Предмет": subject,
                    "Количество участников": n,
                }
                for i, c in enumerate(counts):
                    row[f"Число «{i + 2}»"] = c
                    row[f"Доля «{i + 2}», %"] = _share(c, n)
                row["Средний балл (отметка)"] = round(mark, 2)
                row["Средний первичный балл"] = score
                rows.append(row)
        region.results_by_year[year] = rows
    return region


def _headers(rows: list[dict], order: tuple[str, ...]) -> list[str]:
    present = {key for row in rows[:1] for key in row}
    return [h for h in order if h in present]


def _write(path: str | Path, headers: list[str], rows: list[dict]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("Лист1")
        sheet.append(headers)
        for row in rows:
            sheet.append([row.get(h, "") for h in headers])
        book.save(path)
        return path
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(headers)
        for row in rows:
            writer.writerow([_csv_value(row.get(h, "")) for h in headers])
    return path


def _csv_value(value) -> str:
    # Russian spreadsheets write decimal commas.
    return str(value).replace(".", ",") if isinstance(value, float) else str(value)


def write_schools_file(path: str | Path, region: FisOkoRegion | None = None) -> Path:
    """The region's schools, one row each (``.csv`` or ``.xlsx`` by the file's suffix)."""
    region = region or make_fis_oko_region()
    order = SCHOOL_HEADERS + COORDINATE_HEADERS + CONTEXT_HEADERS
    return _write(path, _headers(region.schools, order), region.schools)


def write_results_file(
    path: str | Path, region: FisOkoRegion | None = None, *, year: int | None = None
) -> Path:
    """ВПР results of one year (the first by default): school × grade × subject rows."""
    region = region or make_fis_oko_region()
    rows = region.results_by_year[year if year is not None else region.years[0]]
    return _write(path, list(RESULT_HEADERS), rows)


def write_municipalities_file(path: str | Path, region: FisOkoRegion | None = None) -> Path:
    """The municipalities list: name, ОКТМО and centroid coordinates."""
    region = region or make_fis_oko_region()
    return _write(path, list(MUNICIPALITY_HEADERS), region.municipalities)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--schools", type=int, default=700)
    parser.add_argument("--municipalities", type=int, default=70)
    parser.add_argument("--years", default="2024", help="comma-separated, e.g. 2021,2022")
    parser.add_argument("--bench-cells", action="store_true", help="7 grade × subject cells")
    parser.add_argument("--coordinates", action="store_true", help="school latitude/longitude")
    parser.add_argument("--format", choices=("csv", "xlsx", "both"), default="both")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    region = make_fis_oko_region(
        seed=args.seed,
        schools=args.schools,
        municipalities=args.municipalities,
        years=tuple(int(y) for y in args.years.split(",")),
        cells=BENCH_CELLS if args.bench_cells else DEFAULT_CELLS,
        coordinates=args.coordinates,
    )
    out = Path(args.out)
    suffixes = ("csv", "xlsx") if args.format == "both" else (args.format,)
    written = [write_municipalities_file(out / "municipalities.csv", region)]
    for suffix in suffixes:
        written.append(write_schools_file(out / f"schools.{suffix}", region))
        for year in region.years:
            written.append(write_results_file(out / f"vpr-{year}.{suffix}", region, year=year))
    for path in written:
        print(path)
    print(
        f"{region.name} ({region.code}): {len(region.municipalities)} municipalities, "
        f"{len(region.schools)} schools, {len(region.results)} result rows"
    )


if __name__ == "__main__":
    main()
